// Loads the DOKU checkout widget and mounts it into every element marked for it
// (id="doku-checkout" or data-doku-checkout). Merchants include this one file:
//   <script type="module" src="https://pay.example.com/doku-embed.js"></script>
// and may then call window.DokuCheckout.mount(element, { proxyUrl, orderId, ... }).
import init, { mount, mount_declared } from "./doku-checkout.js";

const stylesheet = new URL("doku-checkout.css", import.meta.url).href;

await init();
window.DokuCheckout = {
  mount: (element, config = {}) => mount(element, { stylesheet, ...config }),
};
mount_declared(stylesheet);
document.dispatchEvent(new CustomEvent("doku:loaded"));
