//! The loop behind grouped reads and writes: take whatever waits in a queue and hand it
//! on as one batch. One batch is handled at a time; what arrives meanwhile makes the
//! next one larger, so batches grow with the load. An item asked for while no other is
//! outstanding is handled by its caller at once: without load it never passes through
//! the queue and the loop's task.
//!
//! (Several batches in flight at once were measured twice. Four writers, before reads
//! were grouped, cost sessions 7-13%: smaller batches meant more statements. Two
//! readers, with everything grouped, moved PostgreSQL callbacks at 64 connections 5% up
//! but at 16 connections 8% down, and SQLite's callbacks 7-10% down.)

use super::StoreError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// What handles a batch.
type Handler<T> = Arc<dyn Fn(Vec<T>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// The way to a batch handler; cloned with the store.
pub(super) struct Batches<T> {
    queue: mpsc::Sender<T>,
    /// Held while a batch is handled, by the loop or by a caller handling its own item.
    busy: Arc<Semaphore>,
    /// Items asked for and not answered yet.
    outstanding: Arc<AtomicUsize>,
    handle: Handler<T>,
}

impl<T> Clone for Batches<T> {
    fn clone(&self) -> Self {
        Batches {
            queue: self.queue.clone(),
            busy: self.busy.clone(),
            outstanding: self.outstanding.clone(),
            handle: self.handle.clone(),
        }
    }
}

impl<T> fmt::Debug for Batches<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batches")
            .field("outstanding", &self.outstanding.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Batches<T> {
    /// Starts a task that hands what [`Batches::ask`] queues (at most `queue` items
    /// waiting) to `handle`, in batches of up to `max_batch` ([`run`]). The task ends
    /// once every clone of the returned value is gone.
    pub(super) fn start<H, F>(queue: usize, max_batch: usize, handle: H) -> Batches<T>
    where
        H: Fn(Vec<T>) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let handle: Handler<T> = Arc::new(move |batch| Box::pin(handle(batch)));
        let busy = Arc::new(Semaphore::new(1));
        let (sender, waiting) = mpsc::channel(queue);
        tokio::spawn(run(waiting, max_batch, busy.clone(), handle.clone()));
        Batches {
            queue: sender,
            busy,
            outstanding: Arc::default(),
            handle,
        }
    }

    /// Has the item `with_reply` makes around a reply channel handled, and waits for the
    /// reply: at once by this caller when no other item is outstanding, else in the next
    /// batch. A caller dropped while it handles its own item (its request gone) leaves
    /// that write done or not, never half done: it is one statement or one transaction,
    /// and a retry finds it (callbacks are resent, sessions keep their key).
    ///
    /// (Handling a lone item at once whenever the queue was empty was measured: under
    /// load it made batches of one between the larger ones, and cost callbacks 7-18% at
    /// 16 and 64 connections.)
    pub(super) async fn ask<R>(
        &self,
        with_reply: impl FnOnce(oneshot::Sender<Result<R, StoreError>>) -> T,
    ) -> Result<R, StoreError> {
        let stopped = || StoreError::Database(sqlx::Error::PoolClosed);
        let (reply, answer) = oneshot::channel();
        let item = with_reply(reply);
        let outstanding = Outstanding::count(&self.outstanding);
        let alone = outstanding.others == 0;
        let handling = alone.then(|| self.busy.try_acquire().ok()).flatten();
        match handling {
            Some(_handling) => (self.handle)(vec![item]).await,
            None => self.queue.send(item).await.map_err(|_| stopped())?,
        }
        answer.await.map_err(|_| stopped())?
    }
}

/// One outstanding item, counted while it lives.
struct Outstanding<'a> {
    count: &'a AtomicUsize,
    /// How many others were outstanding when it was counted.
    others: usize,
}

impl<'a> Outstanding<'a> {
    fn count(count: &'a AtomicUsize) -> Outstanding<'a> {
        let others = count.fetch_add(1, Ordering::AcqRel);
        Outstanding { count, others }
    }
}

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Takes up to `max_batch` waiting items from `queue` at a time and hands each batch to
/// `handle` once `busy` is free, waiting for it before taking the next. Ends once the
/// queue is closed and empty.
async fn run<T>(
    mut queue: mpsc::Receiver<T>,
    max_batch: usize,
    busy: Arc<Semaphore>,
    handle: Handler<T>,
) {
    loop {
        let mut batch = Vec::with_capacity(max_batch);
        if queue.recv_many(&mut batch, max_batch).await == 0 {
            return;
        }
        let Ok(_handling) = busy.acquire().await else {
            return;
        };
        // What arrived while a caller held `busy` goes too.
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        handle(batch).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tokio::sync::watch;
    use tokio::task::{Id, JoinHandle};

    /// Items are numbers; each batch is recorded with the task that handled it, and the
    /// reply is the item back.
    type Item = (u32, oneshot::Sender<Result<u32, StoreError>>);
    type Handled = Arc<Mutex<Vec<(Vec<u32>, Id)>>>;

    /// Batches whose handler records what it handles, then waits until `released`.
    fn recording(max_batch: usize, released: watch::Receiver<bool>) -> (Batches<Item>, Handled) {
        let handled = Handled::default();
        let recorded = handled.clone();
        let batches = Batches::start(64, max_batch, move |batch: Vec<Item>| {
            let items = batch.iter().map(|(item, _)| *item).collect();
            recorded
                .lock()
                .expect("handled")
                .push((items, tokio::task::id()));
            let mut released = released.clone();
            async move {
                released.wait_for(|go| *go).await.ok();
                for (item, reply) in batch {
                    reply.send(Ok(item)).ok();
                }
            }
        });
        (batches, handled)
    }

    fn ask(batches: &Batches<Item>, item: u32) -> JoinHandle<(u32, Id)> {
        let batches = batches.clone();
        tokio::spawn(async move {
            let answer = batches.ask(|reply| (item, reply)).await.expect("an answer");
            (answer, tokio::task::id())
        })
    }

    #[tokio::test]
    async fn a_lone_item_is_handled_by_its_caller_at_once() {
        let (_release, released) = watch::channel(true);
        let (batches, handled) = recording(8, released);
        let (answer, caller) = ask(&batches, 7).await.expect("the caller");
        assert_eq!(answer, 7);
        let handled = handled.lock().expect("handled").clone();
        assert_eq!(handled, [(vec![7], caller)], "no hop to the loop's task");
    }

    #[tokio::test]
    async fn an_item_asked_while_another_is_outstanding_waits_for_the_next_batch() {
        let (release, released) = watch::channel(false);
        let (batches, handled) = recording(8, released);
        let first = ask(&batches, 1);
        while handled.lock().expect("handled").is_empty() {
            tokio::task::yield_now().await;
        }
        let second = ask(&batches, 2);
        while batches.outstanding.load(Ordering::Relaxed) < 2 {
            tokio::task::yield_now().await;
        }
        release.send(true).expect("released");
        let (_, first_caller) = first.await.expect("the first");
        let (answer, second_caller) = second.await.expect("the second");
        assert_eq!(answer, 2);
        let handled = handled.lock().expect("handled").clone();
        assert_eq!(handled[0], (vec![1], first_caller));
        assert_eq!(handled[1].0, [2]);
        assert_ne!(handled[1].1, second_caller, "handled by the loop's task");
    }

    #[tokio::test]
    async fn what_arrives_during_a_batch_goes_out_together_next() {
        let (release, released) = watch::channel(false);
        let (batches, handled) = recording(8, released);
        // A lone item goes out at once, and holds the handler.
        let first = ask(&batches, 0);
        while handled.lock().expect("handled").is_empty() {
            tokio::task::yield_now().await;
        }
        // Ten more arrive meanwhile, queued behind it: the next batches take at most
        // eight of them.
        let mut answers = Vec::new();
        for item in 1..11 {
            let (reply, answer) = oneshot::channel();
            batches.queue.send((item, reply)).await.expect("queued");
            answers.push(answer);
        }
        release.send(true).expect("released");
        assert_eq!(first.await.expect("the first").0, 0);
        for (item, answer) in (1..11).zip(answers) {
            assert_eq!(answer.await.expect("a reply").expect("an answer"), item);
        }
        let handled: Vec<Vec<u32>> = handled
            .lock()
            .expect("handled")
            .iter()
            .map(|(items, _)| items.clone())
            .collect();
        assert_eq!(handled, [vec![0], (1..9).collect(), vec![9, 10]]);
    }

    #[tokio::test]
    async fn the_loop_ends_once_every_way_to_it_is_gone() {
        let (_release, released) = watch::channel(true);
        let (batches, _) = recording(8, released);
        let looping = Arc::downgrade(&batches.busy);
        drop(batches);
        // The loop's task holds the last reference until it ends.
        while looping.upgrade().is_some() {
            tokio::task::yield_now().await;
        }
    }
}
