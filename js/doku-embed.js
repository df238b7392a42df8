// Loads the DOKU checkout widget and mounts it into every element marked for it
// (id="doku-checkout" or data-doku-checkout). Merchants include this one file:
//   <script type="module" src="https://pay.example.com/doku-embed.js"></script>
// and may then call window.DokuCheckout.mount(element, { proxyUrl, orderId, ... }).
//
// The wasm and the stylesheet are asked for at once, beside the glue. With a static
// import, this file would run only once the glue had arrived; the glue would then ask for
// the wasm, and the widget for its stylesheet once mounted: a round trip more each on a
// phone's network. Where the page preloads them already (the proxy's hosted page), the
// browser hands over the preloaded responses.
const file = (name) => new URL(name, import.meta.url).href;
const stylesheet = file("doku-checkout.css");
const wasm = fetch(file("doku-checkout_bg.wasm"));
const preload = Object.assign(document.createElement("link"), { rel: "preload", as: "style", href: stylesheet });
document.head.append(preload);

const { default: init, mount, mount_declared } = await import("./doku-checkout.js");
await init({ module_or_path: wasm });
window.DokuCheckout = {
  mount: (element, config = {}) => mount(element, { stylesheet, ...config }),
};
mount_declared(stylesheet);
document.dispatchEvent(new CustomEvent("doku:loaded"));
