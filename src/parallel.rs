//! Work spread over the machine's cores, its results taken in the order of the work: a
//! monorepo's manifests are judged, and a large report's results written, on every core,
//! and the output is the same as on one.

use std::collections::BTreeMap;
use std::sync::{mpsc, Condvar, Mutex, PoisonError};

/// How many threads `items` pieces of work are worth: one a core, no more than the pieces.
#[must_use]
pub fn workers(items: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(items)
        .max(1)
}

/// How many pieces of work a worker may run ahead of the oldest result not yet taken, per
/// worker: the results waiting in memory stay few however slow the taker is.
const AHEAD: usize = 4;

/// The work not yet begun, and how far the taker has come.
struct Queue<T> {
    items: std::iter::Peekable<std::iter::Enumerate<std::vec::IntoIter<T>>>,
    /// The results taken so far (the index of the next one to take).
    taken: usize,
    /// The taker stopped (an error): no more work is begun.
    stopped: bool,
}

/// Runs `work` on each of `items` on up to `workers` threads, and hands each result to
/// `take` in the order of `items`, as soon as those before it have been taken. No worker
/// runs more than a few pieces ahead of the taker, so the results waiting in memory stay
/// few. The first error of `take` stops the work and is returned.
///
/// # Errors
/// The first error `take` returns.
pub fn in_order<T, R, E>(
    items: Vec<T>,
    workers: usize,
    work: impl Fn(T) -> R + Sync,
    mut take: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    R: Send,
{
    if workers <= 1 || items.len() <= 1 {
        return items.into_iter().try_for_each(|item| take(work(item)));
    }
    let window = workers * AHEAD;
    let queue = Mutex::new(Queue {
        items: items.into_iter().enumerate().peekable(),
        taken: 0,
        stopped: false,
    });
    let room = Condvar::new();
    let (done, finished) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done = done.clone();
            let (queue, room, work) = (&queue, &room, &work);
            scope.spawn(move || {
                let _stop_if_panicking = StopOnPanic { queue, room };
                while let Some((index, item)) = next_within(queue, room, window) {
                    // The taker stopped (an error): the rest is not wanted.
                    if done.send((index, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        let taken = take_in_order(&finished, &mut take, |taken| {
            queue.lock().unwrap_or_else(PoisonError::into_inner).taken = taken;
            room.notify_all();
        });
        if taken.is_err() {
            stop(&queue, &room);
        }
        taken
    })
}

/// The next piece of work, once it is within `window` of the oldest result not yet taken;
/// `None` when there is no more or the work has stopped.
fn next_within<T>(queue: &Mutex<Queue<T>>, room: &Condvar, window: usize) -> Option<(usize, T)> {
    let mut queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if queue.stopped {
            return None;
        }
        match queue.items.peek().map(|(index, _)| *index) {
            None => return None,
            Some(index) if index >= queue.taken + window => {
                queue = room.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
            Some(_) => return queue.items.next(),
        }
    }
}

/// Stops the work: no worker begins another piece, and none waits for room.
fn stop<T>(queue: &Mutex<Queue<T>>, room: &Condvar) {
    queue.lock().unwrap_or_else(PoisonError::into_inner).stopped = true;
    room.notify_all();
}

/// Stops the work when a worker panics, so that no other waits for a result that will never
/// come (the panic then reaches the caller when the scope ends).
struct StopOnPanic<'a, T> {
    queue: &'a Mutex<Queue<T>>,
    room: &'a Condvar,
}

impl<T> Drop for StopOnPanic<'_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            stop(self.queue, self.room);
        }
    }
}

/// Takes the results as they come from `finished`, each when those before it are taken,
/// telling `progress` how many have been.
fn take_in_order<R, E>(
    finished: &mpsc::Receiver<(usize, R)>,
    take: &mut impl FnMut(R) -> Result<(), E>,
    progress: impl Fn(usize),
) -> Result<(), E> {
    let mut early = BTreeMap::new();
    let mut next = 0;
    for (index, result) in finished {
        early.insert(index, result);
        while let Some(result) = early.remove(&next) {
            take(result)?;
            next += 1;
            progress(next);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_order_of_the_work_whichever_finishes_first() {
        let items: Vec<u64> = (0..200).collect();
        let mut seen = Vec::new();
        let outcome: Result<(), ()> = in_order(
            items,
            4,
            |n| {
                // The early items take longest.
                std::thread::sleep(std::time::Duration::from_micros(200 - n));
                n * 2
            },
            |r| {
                seen.push(r);
                Ok(())
            },
        );
        assert_eq!(outcome, Ok(()));
        assert_eq!(seen, (0..200).map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_error_of_the_taker_stops_the_work() {
        let mut seen = Vec::new();
        let outcome = in_order(
            (0..1000).collect(),
            2,
            |n: u32| n,
            |r| {
                if r == 10 {
                    return Err(format!("stopped at {r}"));
                }
                seen.push(r);
                Ok(())
            },
        );
        assert_eq!(outcome, Err("stopped at 10".to_owned()));
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_worker_that_panics_stops_the_others_and_the_panic_reaches_the_caller() {
        let outcome = std::panic::catch_unwind(|| {
            in_order(
                (0..10_000).collect(),
                2,
                |n: u32| assert!(n != 3, "piece {n} failed"),
                |()| Ok::<_, ()>(()),
            )
        });
        assert!(outcome.is_err());
    }
}
