//! The reconciler: asks the platform about payments that had no final callback within
//! the method's base time (with backoff), and declines those past the threshold time.
//! Safe with several proxy instances on one database: a payment is leased by
//! compare-and-set before it is checked, so no two instances handle it at once.

use crate::api::sessions::millis;
use crate::app::SharedApp;
use crate::registration::{Asked, ask_status};
use crate::store::{Payment, PaymentKind, Schedule, StatusUpdate, StoreError, now_millis};
use doku_protocol::CheckoutStatus;
use std::time::Duration;
use tokio::sync::watch;

/// How long one instance holds a payment while checking it.
const LEASE: Duration = Duration::from_secs(60);
/// The longest wait between two checks of one payment.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Payments checked per round.
const BATCH: i64 = 50;

/// The code recorded when the threshold time passes without a result.
pub const EXPIRED_CODE: &str = "expired";

/// Runs rounds every `reconcile_every` until `stop` turns true.
pub async fn run(app: SharedApp, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(app.config.reconcile_every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        if let Err(error) = round(&app).await {
            tracing::warn!(%error, "reconciler round failed");
        }
    }
}

/// Checks every payment that is due now; returns the ids this instance handled.
pub async fn round(app: &SharedApp) -> Result<Vec<String>, StoreError> {
    let started = now_millis();
    let mut handled = Vec::new();
    for due in app.store.due_for_check(started, BATCH).await? {
        if let Some(payment) = claim(app, &due.id, started).await? {
            let id = payment.id.clone();
            check(app, payment).await?;
            handled.push(id);
        }
    }
    Ok(handled)
}

/// Leases the payment if it was due when the round `started` (one round checks a
/// payment once) and nobody else holds it. The lease runs from now, not from the
/// round's start: after a run of slow platform answers it must not be over already.
async fn claim(app: &SharedApp, id: &str, started: i64) -> Result<Option<Payment>, StoreError> {
    let now = now_millis();
    let mut claimed = false;
    let payment = app
        .store
        .modify_payment(id, |p| {
            let due = p.schedule.filter(|schedule| {
                !p.status.is_final()
                    && schedule.next_check_at <= started
                    && schedule.lease_until.is_none_or(|until| until < now)
            });
            claimed = due.is_some();
            if let Some(schedule) = due {
                p.schedule = Some(Schedule {
                    lease_until: Some(now + millis(LEASE)),
                    ..schedule
                });
                p.check_attempts += 1;
            }
            claimed
        })
        .await?;
    Ok(payment.filter(|_| claimed))
}

/// Asks the platform; applies its answer; declines the payment if it is past its
/// threshold time without a result; schedules the next check.
async fn check(app: &SharedApp, payment: Payment) -> Result<(), StoreError> {
    if let Asked::Applied(outcome) = ask_status(app, &payment.id).await? {
        tracing::info!(payment_id = %payment.id, outcome = outcome.as_str(), "status checked");
    }
    let now = now_millis();
    let expired = StatusUpdate {
        status: Some(CheckoutStatus::Decline),
        platform_status: None,
        code: Some(EXPIRED_CODE.into()),
        message: Some("Not completed within the threshold time".into()),
        redirect: None,
    };
    let base = match payment.kind {
        PaymentKind::Purchase => app.config.purchase_check_after,
        PaymentKind::Payout => app.config.payout_check_after,
    };
    let mut declined = false;
    let stored = app
        .store
        .modify_payment(&payment.id, |p| {
            declined = !p.status.is_final() && now >= p.expires_at;
            if declined {
                p.apply(&expired);
                tracing::info!(payment_id = %p.id, "declined: threshold time passed");
            }
            // The next check, held by nobody; none once final.
            p.schedule = (!p.status.is_final()).then(|| {
                let delay = backoff(base, p.check_attempts);
                Schedule::at((now + millis(delay)).min(p.expires_at))
            });
            true
        })
        .await?;
    if let Some(payment) = stored.filter(|_| declined) {
        app.metrics.settled(&payment);
    }
    Ok(())
}

/// `base` doubled for each earlier attempt, at most [`MAX_BACKOFF`].
fn backoff(base: Duration, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    base.saturating_mul(2u32.saturating_pow(doublings))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let base = Duration::from_secs(60);
        assert_eq!(backoff(base, 0), Duration::from_secs(60));
        assert_eq!(backoff(base, 1), Duration::from_secs(120));
        assert_eq!(backoff(base, 3), Duration::from_secs(480));
        assert_eq!(backoff(base, 10), MAX_BACKOFF);
        assert_eq!(backoff(base, i64::MAX), MAX_BACKOFF);
    }
}
