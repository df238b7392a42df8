// Mounts Adyen Web's DOKU component the way a merchant page would, with no network:
// an inline payment-methods response and analytics off. Marks `adyen:interactive` when
// its form inputs are in the page (or when Adyen calls onReady, if sooner).
import "./entry.js";

const { AdyenCheckout, Doku } = window.AdyenDoku;
let marked = false;
const interactive = () => {
  if (!marked) {
    marked = true;
    performance.mark("adyen:interactive");
  }
};
const container = document.getElementById("adyen-doku");
new MutationObserver(() => {
  if (container.querySelector("input")) interactive();
}).observe(container, { childList: true, subtree: true });

const checkout = await AdyenCheckout({
  environment: "test",
  clientKey: "test_BENCHMARKBENCHMARKBENCHMARKBENCH",
  locale: "en-US",
  countryCode: "ID",
  amount: { value: 15000000, currency: "IDR" },
  paymentMethodsResponse: { paymentMethods: [{ type: "doku_wallet", name: "DOKU wallet" }] },
  analytics: { enabled: false },
  onSubmit: () => {},
});
new Doku(checkout, { type: "doku_wallet", onReady: interactive }).mount(container);
