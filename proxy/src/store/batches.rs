//! The loop behind grouped reads and writes: take whatever waits in a queue and hand it
//! on as one batch. One batch is handled at a time; what arrives meanwhile makes the
//! next one larger, so batches grow with the load and a lone item goes out at once.
//!
//! (Four batches in flight at once were measured before reads were grouped: they cost
//! sessions 7-13%, as smaller batches meant more statements. With reads grouped the
//! CPU is no longer full under load, so that is worth measuring again.)

use super::StoreError;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// Starts a task that hands what is sent on the returned sender (at most `queue` items
/// waiting) to `handle`, in batches of up to `max_batch` ([`run`]). The task ends once
/// every clone of the sender is gone.
pub(super) fn start<T, H, F>(queue: usize, max_batch: usize, handle: H) -> mpsc::Sender<T>
where
    T: Send + 'static,
    H: FnMut(Vec<T>) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let (sender, waiting) = mpsc::channel(queue);
    tokio::spawn(run(waiting, max_batch, handle));
    sender
}

/// Queues the item `with_reply` makes around a reply channel, and waits for the reply.
pub(super) async fn ask<T, R>(
    queue: &mpsc::Sender<T>,
    with_reply: impl FnOnce(oneshot::Sender<Result<R, StoreError>>) -> T,
) -> Result<R, StoreError> {
    let stopped = || StoreError::Database(sqlx::Error::PoolClosed);
    let (reply, answer) = oneshot::channel();
    queue.send(with_reply(reply)).await.map_err(|_| stopped())?;
    answer.await.map_err(|_| stopped())?
}

/// Takes up to `max_batch` waiting items from `queue` at a time and hands each batch to
/// `handle`, waiting for it before taking the next. Ends once the queue is closed and
/// empty.
async fn run<T, H, F>(mut queue: mpsc::Receiver<T>, max_batch: usize, mut handle: H)
where
    H: FnMut(Vec<T>) -> F,
    F: Future<Output = ()>,
{
    loop {
        let mut batch = Vec::with_capacity(max_batch);
        if queue.recv_many(&mut batch, max_batch).await == 0 {
            return;
        }
        handle(batch).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::sync::watch;

    #[tokio::test]
    async fn what_arrives_during_a_write_goes_out_together_next() {
        let (queue, waiting) = mpsc::channel(64);
        let (release, released) = watch::channel(false);
        let batches = Arc::new(Mutex::new(Vec::new()));
        let written = batches.clone();
        let writer = tokio::spawn(run(waiting, 8, move |batch: Vec<u32>| {
            written.lock().expect("batches").push(batch);
            let mut released = released.clone();
            async move {
                released.wait_for(|go| *go).await.ok();
            }
        }));
        // A lone item goes out at once, and its write holds the writer.
        queue.send(0).await.expect("queued");
        while batches.lock().expect("batches").is_empty() {
            tokio::task::yield_now().await;
        }
        // Ten more arrive meanwhile: the next batches take at most eight of them.
        for item in 1..11 {
            queue.send(item).await.expect("queued");
        }
        release.send(true).expect("released");
        drop(queue);
        writer
            .await
            .expect("the loop ends once the queue is closed");
        let batches = batches.lock().expect("batches").clone();
        assert_eq!(batches, [vec![0], (1..9).collect(), vec![9, 10]]);
    }
}
