// The peer a merchant would otherwise write: a minimal Node.js service with express and
// the platform's npm SDK (`ecommpay`), doing the proxy's work for the benchmark: create
// orders, open a Payment Page session (validate, sign the URL with force_payment_method=doku,
// store the payment), and accept signed callbacks (verify, store, update the payment).
// Storage is PostgreSQL (`pg`), like the proxy's multi-instance setup.
//   PEER_PORT=8181 DATABASE_URL=postgres://... ECOMMPAY_SECRET_KEY=... node peer-server.js
import express from "express";
import pg from "pg";
import { randomUUID } from "node:crypto";
import ecommpay from "ecommpay";

const { Payment, Callback } = ecommpay;
const secret = process.env.ECOMMPAY_SECRET_KEY;
const projectId = process.env.ECOMMPAY_PROJECT_ID || "77";
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
await pool.query(`CREATE TABLE IF NOT EXISTS peer_orders (
  id TEXT PRIMARY KEY, amount BIGINT NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL)`);
await pool.query(`CREATE TABLE IF NOT EXISTS peer_payments (
  id TEXT PRIMARY KEY, order_id TEXT NOT NULL, idempotency_key TEXT NOT NULL, status TEXT NOT NULL,
  first_name TEXT, email TEXT, url TEXT, UNIQUE (order_id, idempotency_key))`);
await pool.query(`CREATE TABLE IF NOT EXISTS peer_callbacks (
  id BIGSERIAL PRIMARY KEY, payment_id TEXT, body TEXT NOT NULL)`);

const app = express();
app.use(express.json({ limit: "256kb" }));

app.post("/api/orders", async (req, res) => {
  const { amount, currency, description } = req.body ?? {};
  if (!Number.isInteger(amount) || amount <= 0 || typeof currency !== "string" || typeof description !== "string") {
    return res.status(422).json({ code: "invalid" });
  }
  const id = `ord_${randomUUID()}`;
  await pool.query("INSERT INTO peer_orders (id, amount, currency, description) VALUES ($1, $2, $3, $4)",
    [id, amount, currency, description]);
  res.status(201).json({ order_id: id });
});

app.post("/api/checkout/sessions", async (req, res) => {
  const key = req.get("Idempotency-Key");
  const { order_id: orderId, customer } = req.body ?? {};
  if (!key || typeof orderId !== "string" || !customer?.first_name || !/^[^@\s]+@[^@\s]+\.[a-z]+$/i.test(customer?.email ?? "")) {
    return res.status(422).json({ code: "invalid" });
  }
  const order = await pool.query("SELECT amount, currency, description FROM peer_orders WHERE id = $1", [orderId]);
  if (order.rowCount === 0) return res.status(404).json({ code: "order_not_found" });
  const paymentId = `pay_${randomUUID()}`;
  const payment = new Payment(projectId, secret);
  payment.paymentId = paymentId;
  payment.paymentAmount = Number(order.rows[0].amount);
  payment.paymentCurrency = order.rows[0].currency;
  payment.paymentDescription = order.rows[0].description;
  payment.customerId = customer.email;
  payment.customerFirstName = customer.first_name;
  payment.customerEmail = customer.email;
  payment.forcePaymentMethod = "doku";
  payment.redirectSuccessUrl = `http://127.0.0.1/pay/${orderId}?payment_id=${paymentId}`;
  payment.redirectFailUrl = payment.redirectSuccessUrl;
  const url = payment.getUrl();
  const stored = await pool.query(
    `INSERT INTO peer_payments (id, order_id, idempotency_key, status, first_name, email, url)
     VALUES ($1, $2, $3, 'pending', $4, $5, $6)
     ON CONFLICT (order_id, idempotency_key) DO UPDATE SET status = peer_payments.status
     RETURNING id, status, url`,
    [paymentId, orderId, key, customer.first_name, customer.email, url]);
  const row = stored.rows[0];
  res.status(201).json({ payment_id: row.id, status: row.status, redirect_data: { method: "GET", url: row.url, body: {} } });
});

app.post("/callbacks/ecommpay", async (req, res) => {
  let callback;
  try {
    callback = new Callback(secret, req.body);
  } catch {
    return res.status(400).json({ code: "invalid_signature" });
  }
  const paymentId = callback.getPaymentId();
  const status = callback.callback.payment?.status ?? "unknown";
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("INSERT INTO peer_callbacks (payment_id, body) VALUES ($1, $2)", [paymentId, JSON.stringify(req.body)]);
    await client.query("UPDATE peer_payments SET status = $1 WHERE id = $2 AND status NOT IN ('success', 'decline')", [status, paymentId]);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
  res.json({ status: "ok" });
});

const server = app.listen(Number(process.env.PEER_PORT || 0), "127.0.0.1", () => {
  console.log(`peer listening on http://127.0.0.1:${server.address().port}`);
});
