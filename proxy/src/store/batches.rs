//! The loop behind grouped reads and writes: take whatever waits in a queue and hand it
//! on as one batch. One batch is handled at a time; what arrives meanwhile makes the
//! next one larger, so batches grow with the load. An item asked for while no other is
//! outstanding is handled by its caller at once: without load it never passes through
//! the queue and the loop's task. A batch that fails is handled again item by item, so
//! each caller gets its own outcome ([`handle_batch`]).
//!
//! (Several batches in flight at once were measured twice. Four writers, before reads
//! were grouped, cost sessions 7-13%: smaller batches meant more statements. Two
//! readers, with everything grouped, moved PostgreSQL callbacks at 64 connections 5% up
//! but at 16 connections 8% down, and SQLite's callbacks 7-10% down.)

use super::StoreError;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Work done on many items at once: reads or writes that go out together.
pub(super) trait Together: Send + Sync + 'static {
    /// One caller's item, with where its answer goes.
    type Item: Send + 'static;
    /// What handling did for one item.
    type Done: Send;
    /// Handles `items` as one read or write; what each got, in their order.
    fn handle(
        &self,
        items: &[Self::Item],
    ) -> impl Future<Output = Result<Vec<Self::Done>, StoreError>> + Send;
    /// Tells `item`'s caller what it got.
    fn answer(item: Self::Item, outcome: Result<Self::Done, StoreError>);
}

/// The way to a batch handler; cloned with the store.
pub(super) struct Batches<W: Together> {
    queue: mpsc::Sender<W::Item>,
    /// Held while a batch is handled, by the loop or by a caller handling its own item.
    busy: Arc<Semaphore>,
    /// Items asked for and not answered yet.
    outstanding: Arc<AtomicUsize>,
    work: Arc<W>,
}

impl<W: Together> Clone for Batches<W> {
    fn clone(&self) -> Self {
        Batches {
            queue: self.queue.clone(),
            busy: self.busy.clone(),
            outstanding: self.outstanding.clone(),
            work: self.work.clone(),
        }
    }
}

impl<W: Together> fmt::Debug for Batches<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batches")
            .field("outstanding", &self.outstanding.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl<W: Together> Batches<W> {
    /// Starts a task that hands what [`Batches::ask`] queues (at most `queue` items
    /// waiting) to `work`, in batches of up to `max_batch` ([`run`]). The task ends
    /// once every clone of the returned value is gone.
    pub(super) fn start(queue: usize, max_batch: usize, work: W) -> Batches<W> {
        let work = Arc::new(work);
        let busy = Arc::new(Semaphore::new(1));
        let (sender, waiting) = mpsc::channel(queue);
        tokio::spawn(run(waiting, max_batch, busy.clone(), work.clone()));
        Batches {
            queue: sender,
            busy,
            outstanding: Arc::default(),
            work,
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
        with_reply: impl FnOnce(oneshot::Sender<Result<R, StoreError>>) -> W::Item,
    ) -> Result<R, StoreError> {
        let stopped = || StoreError::Database(sqlx::Error::PoolClosed);
        let (reply, answer) = oneshot::channel();
        let item = with_reply(reply);
        let outstanding = Outstanding::count(&self.outstanding);
        let handling = if outstanding.others == 0 {
            self.busy.try_acquire().ok()
        } else {
            None
        };
        match handling {
            Some(_handling) => handle_batch(&*self.work, vec![item]).await,
            None => self.queue.send(item).await.map_err(|_| stopped())?,
        }
        answer.await.map_err(|_| stopped())?
    }
}

/// Handles `batch` together and answers each of its items. If that fails, the items of
/// a larger batch are handled again one by one: one the database refuses (a foreign
/// key, an unreadable row) fails alone, and every caller gets its own outcome.
pub(super) async fn handle_batch<W: Together>(work: &W, batch: Vec<W::Item>) {
    match work.handle(&batch).await {
        Ok(done) => answer_each::<W>(batch, done),
        Err(error) if batch.len() > 1 => {
            tracing::debug!(%error, items = batch.len(), "a batch failed; handling its items one by one");
            for item in batch {
                match work.handle(std::slice::from_ref(&item)).await {
                    Ok(done) => answer_each::<W>(vec![item], done),
                    Err(error) => W::answer(item, Err(error)),
                }
            }
        }
        Err(error) => {
            if let Some(item) = batch.into_iter().next() {
                W::answer(item, Err(error));
            }
        }
    }
}

/// Answers each item of `batch` with what it got: `done` holds one outcome per item, in
/// order.
fn answer_each<W: Together>(batch: Vec<W::Item>, done: Vec<W::Done>) {
    for (item, done) in batch.into_iter().zip(done) {
        W::answer(item, Ok(done));
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
/// `work` once `busy` is free, waiting for it before taking the next. Ends once the
/// queue is closed and empty.
async fn run<W: Together>(
    mut queue: mpsc::Receiver<W::Item>,
    max_batch: usize,
    busy: Arc<Semaphore>,
    work: Arc<W>,
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
        handle_batch(&*work, batch).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tokio::sync::watch;
    use tokio::task::{Id, JoinHandle};

    /// Items are numbers, each answered with itself.
    type Item = (u32, oneshot::Sender<Result<u32, StoreError>>);
    type Handled = Arc<Mutex<Vec<(Vec<u32>, Id)>>>;

    /// Records each batch it handles with the task that handled it, then waits until
    /// `released`; fails any batch holding 13.
    struct Recording {
        handled: Handled,
        released: watch::Receiver<bool>,
    }

    impl Together for Recording {
        type Item = Item;
        type Done = u32;

        async fn handle(&self, items: &[Item]) -> Result<Vec<u32>, StoreError> {
            let items: Vec<u32> = items.iter().map(|(item, _)| *item).collect();
            let batch = (items.clone(), tokio::task::id());
            self.handled.lock().expect("handled").push(batch);
            self.released.clone().wait_for(|go| *go).await.ok();
            if items.contains(&13) {
                return Err(StoreError::Corrupt("13".into()));
            }
            Ok(items)
        }

        fn answer((_, reply): Item, outcome: Result<u32, StoreError>) {
            reply.send(outcome).ok();
        }
    }

    fn recording(
        max_batch: usize,
        released: watch::Receiver<bool>,
    ) -> (Batches<Recording>, Handled) {
        let handled = Handled::default();
        let work = Recording {
            handled: handled.clone(),
            released,
        };
        (Batches::start(64, max_batch, work), handled)
    }

    fn ask(batches: &Batches<Recording>, item: u32) -> JoinHandle<(Result<u32, StoreError>, Id)> {
        let batches = batches.clone();
        tokio::spawn(async move {
            let answer = batches.ask(|reply| (item, reply)).await;
            (answer, tokio::task::id())
        })
    }

    /// The numbers of each batch handled so far.
    fn batches_of(handled: &Handled) -> Vec<Vec<u32>> {
        let handled = handled.lock().expect("handled");
        handled.iter().map(|(items, _)| items.clone()).collect()
    }

    /// Waits until the handler has taken a first batch.
    async fn until_handling(handled: &Handled) {
        while handled.lock().expect("handled").is_empty() {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_lone_item_is_handled_by_its_caller_at_once() {
        let (_release, released) = watch::channel(true);
        let (batches, handled) = recording(8, released);
        let (answer, caller) = ask(&batches, 7).await.expect("the caller");
        assert_eq!(answer.expect("an answer"), 7);
        let handled = handled.lock().expect("handled").clone();
        assert_eq!(handled, [(vec![7], caller)], "no hop to the loop's task");
    }

    #[tokio::test]
    async fn an_item_asked_while_another_is_outstanding_waits_for_the_next_batch() {
        let (release, released) = watch::channel(false);
        let (batches, handled) = recording(8, released);
        let first = ask(&batches, 1);
        until_handling(&handled).await;
        let second = ask(&batches, 2);
        while batches.outstanding.load(Ordering::Relaxed) < 2 {
            tokio::task::yield_now().await;
        }
        release.send(true).expect("released");
        let (_, first_caller) = first.await.expect("the first");
        let (answer, second_caller) = second.await.expect("the second");
        assert_eq!(answer.expect("an answer"), 2);
        let handled = handled.lock().expect("handled").clone();
        assert_eq!(handled[0], (vec![1], first_caller));
        assert_eq!(handled[1].0, [2]);
        assert_ne!(handled[1].1, second_caller, "handled by the loop's task");
    }

    /// Queues `items` behind whatever is being handled; their answers.
    async fn queue(
        batches: &Batches<Recording>,
        items: impl IntoIterator<Item = u32>,
    ) -> Vec<oneshot::Receiver<Result<u32, StoreError>>> {
        let mut answers = Vec::new();
        for item in items {
            let (reply, answer) = oneshot::channel();
            batches.queue.send((item, reply)).await.expect("queued");
            answers.push(answer);
        }
        answers
    }

    /// A loop taking batches of at most eight, given `items` while it handled a lone 0
    /// (which goes out at once and holds the handler); the items' answers, and what
    /// was handled.
    async fn queued_behind_a_lone_item(
        items: impl IntoIterator<Item = u32>,
    ) -> (Vec<oneshot::Receiver<Result<u32, StoreError>>>, Handled) {
        let (release, released) = watch::channel(false);
        let (batches, handled) = recording(8, released);
        let first = ask(&batches, 0);
        until_handling(&handled).await;
        let answers = queue(&batches, items).await;
        release.send(true).expect("released");
        assert_eq!(first.await.expect("the first").0.expect("an answer"), 0);
        (answers, handled)
    }

    #[tokio::test]
    async fn what_arrives_during_a_batch_goes_out_together_next() {
        // Ten arrive meanwhile: the next batches take at most eight of them.
        let (answers, handled) = queued_behind_a_lone_item(1..11).await;
        for (item, answer) in (1..11).zip(answers) {
            assert_eq!(answer.await.expect("a reply").expect("an answer"), item);
        }
        assert_eq!(
            batches_of(&handled),
            [vec![0], (1..9).collect(), vec![9, 10]]
        );
    }

    #[tokio::test]
    async fn an_item_that_fails_its_batch_fails_alone() {
        let (answers, handled) = queued_behind_a_lone_item([12, 13, 14]).await;
        let mut outcomes = Vec::new();
        for answer in answers {
            outcomes.push(answer.await.expect("a reply").ok());
        }
        assert_eq!(outcomes, [Some(12), None, Some(14)]);
        let tried = [vec![0], vec![12, 13, 14], vec![12], vec![13], vec![14]];
        assert_eq!(batches_of(&handled), tried);
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
