//! The background clock: takes timed steps (a Gate sale's redirect, a payout's result)
//! and declines payments past their project's threshold time.

use crate::outcome::{self, EXPIRED};
use crate::payment::{Due, PaymentKey};
use crate::sandbox::Sandbox;
use std::time::Instant;

impl Sandbox {
    /// Ticks every `config.tick` until the sandbox stops. [`crate::serve`] runs it; run it
    /// yourself only when mounting [`Sandbox::router`] in your own server.
    pub async fn run_clock(&self) {
        while self.pause(self.config().tick).await {
            self.tick(Instant::now());
        }
    }

    /// Takes every step due at `now`. A step due after the deadline never happens: the
    /// payment expires instead.
    fn tick(&self, now: Instant) {
        let mut guard = self.lock();
        let store = &mut *guard;
        let pending: Vec<PaymentKey> = store
            .payments
            .values()
            .filter(|p| !p.status.is_final())
            .map(|p| p.key())
            .collect();
        for key in pending {
            let Some(payment) = store.payments.get_mut(&key) else {
                continue;
            };
            let step = payment
                .due
                .filter(|(at, _)| *at <= now && *at <= payment.deadline);
            if let Some((_, due)) = step {
                payment.due = None;
                match due {
                    Due::Redirect => {
                        self.open_doku(store, &key);
                        self.notify(store, &key);
                    }
                    Due::Payout => {
                        let test = self.project(key.0).is_some_and(|p| p.test);
                        let result = outcome::payout(test, payment.converted);
                        self.finish(store, &key, result);
                    }
                }
            } else if now >= payment.deadline {
                self.finish(store, &key, EXPIRED);
            }
        }
    }
}
