// Loads the DOKU checkout widget and mounts it into every element marked for it
// (id="doku-checkout" or data-doku-checkout). Merchants include this one file:
//   <script type="module" src="https://pay.example.com/doku-embed.js"></script>
import init, { mount, mount_declared } from "./doku-checkout.js";

await init();
window.DokuCheckout = { mount };
mount_declared();
