//! Group commit: the writes of many callers in one transaction and one commit.
//!
//! A durable commit costs an fsync (SQLite with `synchronous=FULL`) or a WAL flush
//! (PostgreSQL), and every statement on SQLite is a hand-off to the connection's thread. A
//! rush of sign-ups is many small writes to one row's counters, so one writer task takes
//! the jobs waiting in its queue, applies them in arrival order in one transaction (the
//! caller's `apply` decides each job's own answer), commits once, and only then answers
//! them all: nothing is answered that is not on disk. If the batch fails as a whole, each
//! job is retried alone, so one bad job never fails the others.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{DatabaseTransaction, DbErr};
use tokio::sync::{mpsc, oneshot};

use super::Db;

/// What `apply` returns: one answer per job, in order.
pub type Applied<'a, R> = Pin<Box<dyn Future<Output = Result<Vec<R>, DbErr>> + Send + 'a>>;

/// Applies a batch of jobs in the given transaction.
pub type Apply<J, R> =
    Arc<dyn for<'a> Fn(&'a DatabaseTransaction, Vec<J>) -> Applied<'a, R> + Send + Sync>;

struct Waiting<J, R> {
    job: J,
    answer: oneshot::Sender<Result<R, DbErr>>,
}

/// The queue of one kind of job and its writer task.
pub struct GroupCommit<J, R> {
    queue: mpsc::Sender<Waiting<J, R>>,
}

impl<J, R> Clone for GroupCommit<J, R> {
    fn clone(&self) -> Self {
        GroupCommit {
            queue: self.queue.clone(),
        }
    }
}

/// Jobs waiting at most (more callers wait to enter the queue).
const QUEUE: usize = 4096;

impl<J: Clone + Send + 'static, R: Send + 'static> GroupCommit<J, R> {
    /// Starts the writer task of the queue `name`; batches hold at most `max_batch` jobs.
    pub fn start(
        name: &'static str,
        db: Db,
        max_batch: usize,
        apply: Apply<J, R>,
    ) -> GroupCommit<J, R> {
        let (queue, mut waiting) = mpsc::channel::<Waiting<J, R>>(QUEUE);
        let max_batch = max_batch.max(1);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max_batch);
            while waiting.recv_many(&mut batch, max_batch).await > 0 {
                let jobs: Vec<J> = batch.iter().map(|w| w.job.clone()).collect();
                let started = std::time::Instant::now();
                let result = commit(&db, &apply, jobs).await;
                crate::metrics::batch(name, batch.len(), started.elapsed());
                match result {
                    Ok(answers) => {
                        for (w, answer) in batch.drain(..).zip(answers) {
                            let _ = w.answer.send(Ok(answer));
                        }
                    }
                    Err(e) if batch.len() == 1 => {
                        let _ = batch.pop().map(|w| w.answer.send(Err(e)));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, jobs = batch.len(), "a batch failed; trying its jobs one by one");
                        for w in batch.drain(..) {
                            let answer =
                                commit(&db, &apply, vec![w.job.clone()])
                                    .await
                                    .and_then(|mut a| {
                                        a.pop().ok_or_else(|| DbErr::Custom("no answer".into()))
                                    });
                            let _ = w.answer.send(answer);
                        }
                    }
                }
            }
        });
        GroupCommit { queue }
    }

    /// Queues a job and waits until its batch is committed; its answer.
    pub async fn submit(&self, job: J) -> Result<R, DbErr> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send(Waiting { job, answer })
            .await
            .map_err(|_| DbErr::Custom("the writer has stopped".into()))?;
        answered
            .await
            .map_err(|_| DbErr::Custom("the writer stopped before answering".into()))?
    }
}

/// One transaction for the jobs; their answers once it is committed.
async fn commit<J, R>(db: &Db, apply: &Apply<J, R>, jobs: Vec<J>) -> Result<Vec<R>, DbErr> {
    let count = jobs.len();
    let tx = db.begin_write().await?;
    let answers = apply(&tx, jobs).await?;
    if answers.len() != count {
        return Err(DbErr::Custom(format!(
            "{count} jobs got {} answers",
            answers.len()
        )));
    }
    tx.commit().await?;
    Ok(answers)
}
