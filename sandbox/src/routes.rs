//! The sandbox's routes: Payment Page, Gate, the DOKU page, the control API, and an
//! index page listing the projects.

use crate::html::{self, Brand, escape};
use crate::sandbox::Sandbox;
use crate::{control, doku_pages, gate_api, payment_page};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use ecommpay::gate::{DOKU_PAYOUT_PATH, DOKU_SALE_PATH, STATUS_PATH};

impl Sandbox {
    /// Every route of the sandbox, with this sandbox as state.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(index))
            .route(
                "/payment",
                get(payment_page::open_by_query).post(payment_page::open_by_form),
            )
            .route("/payment/{token}", get(payment_page::show))
            .route("/payment/{token}/method", post(payment_page::choose_method))
            .route(
                "/payment/{token}/customer",
                post(payment_page::submit_customer),
            )
            .route(DOKU_SALE_PATH, post(gate_api::sale))
            .route(DOKU_PAYOUT_PATH, post(gate_api::payout))
            .route(STATUS_PATH, post(gate_api::status))
            .route(crate::doku::RECEIVE_PATH, post(doku_pages::receive))
            .route(
                "/doku/Suite/Payment/{session}",
                get(doku_pages::show).post(doku_pages::act),
            )
            .route(
                "/doku/Suite/Payment/{session}/customer",
                post(doku_pages::submit_details),
            )
            .route(
                "/sandbox/projects/{id}/faults",
                get(control::get_project_faults)
                    .put(control::put_project_faults)
                    .delete(control::delete_project_faults),
            )
            .route(
                "/sandbox/projects/{id}/payments/{payment_id}",
                get(control::get_payment),
            )
            .route(
                "/sandbox/projects/{id}/payments/{payment_id}/faults",
                get(control::get_payment_faults)
                    .put(control::put_payment_faults)
                    .delete(control::delete_payment_faults),
            )
            .with_state(self.clone())
    }
}

/// `GET /`: what this sandbox emulates and its projects.
async fn index(State(sandbox): State<Sandbox>) -> Response {
    let rows: String = sandbox
        .config()
        .projects
        .iter()
        .map(|p| {
            format!(
                "<li>Project {} · {}{}{}</li>",
                p.id,
                escape(&p.name),
                if p.test { " · test" } else { "" },
                if p.kyc { " · KYC" } else { "" },
            )
        })
        .collect();
    let base = escape(sandbox.base_url());
    let body = format!(
        r#"<p>A local emulation of the ecommpay platform and the DOKU Wallet pages.</p>
<ul>{rows}</ul>
<p class="muted">Payment Page: <code>{base}/payment</code> · Gate: <code>{base}{sale}</code>, <code>{base}{payout}</code>, <code>{base}{status}</code></p>"#,
        sale = escape(DOKU_SALE_PATH),
        payout = escape(DOKU_PAYOUT_PATH),
        status = escape(STATUS_PATH),
    );
    html::respond(StatusCode::OK, Brand::Platform, "ecommpay sandbox", &body)
}
