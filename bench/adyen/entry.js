// What a merchant ships to offer DOKU with Adyen Web: the checkout core, the DOKU
// component and the redirect action handler (bundled and minified by esbuild).
import { AdyenCheckout, Doku, Redirect } from "@adyen/adyen-web";
import "@adyen/adyen-web/styles/adyen.css";

window.AdyenDoku = { AdyenCheckout, Doku, Redirect };
