// Loads the DOKU checkout widget and mounts it into every element marked for it
// (id="doku-checkout" or data-doku-checkout). Merchants include this one file:
//   <script type="module" src="https://pay.example.com/doku-embed.js"></script>
// and may then call window.DokuCheckout.mount(element, { proxyUrl, orderId, ... }).
//
// What the widget needs is asked for at once, beside the glue. With a static import,
// this file would run only once the glue had arrived; the glue would then ask for the
// wasm, and the widget for its stylesheet and its order once running: a round trip more
// each on a phone's network. Where the page preloads them already (the proxy's hosted
// page), the browser hands over the preloaded responses.

// The elements mount_declared mounts into (src/lib.rs, DECLARED_SELECTOR).
const DECLARED = "#doku-checkout, [data-doku-checkout]";
const file = (name) => new URL(name, import.meta.url).href;
const preload = (href, as) => {
  const link = Object.assign(document.createElement("link"), { rel: "preload", as, href });
  // The widget fetches in CORS mode; a preload is only handed over to a request like it.
  if (as === "fetch") link.crossOrigin = "anonymous";
  document.head.append(link);
};

const stylesheet = file("doku-checkout.css");
const wasm = fetch(file("doku-checkout_bg.wasm"));
const declared = [...document.querySelectorAll(DECLARED)];
// The widget's stylesheet, if a declared widget uses it (data-stylesheet names another).
if (declared.some((element) => !element.dataset.stylesheet?.trim())) preload(stylesheet, "style");
// Each declared widget's order (the widget's own first request, GET
// /api/checkout/orders/{id} from its proxy), where the page hands over none (data-order)
// and the widget would accept its settings (src/config.rs; it checks them again):
const proxyRule = /^(https?:\/\/|\/(?!\/))\S*$/i; // an http(s) URL or a path, no spaces
const orderIdRule = /^[\w-]{1,64}$/; // letters, digits, _ and -
for (const element of declared) {
  const { proxyUrl = "", orderId = "", order } = element.dataset;
  const [proxy, id] = [proxyUrl.trim(), orderId.trim()];
  if (order !== undefined || !proxyRule.test(proxy) || !orderIdRule.test(id)) continue;
  const base = new URL(proxy, document.baseURI);
  preload(`${base.origin}${base.pathname.replace(/\/+$/, "")}/api/checkout/orders/${id}`, "fetch");
}

const { default: init, mount, mount_declared } = await import("./doku-checkout.js");
await init({ module_or_path: wasm });
window.DokuCheckout = {
  mount: (element, config = {}) => mount(element, { stylesheet, ...config }),
};
mount_declared(stylesheet);
document.dispatchEvent(new CustomEvent("doku:loaded"));
