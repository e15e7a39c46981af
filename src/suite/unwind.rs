//! A trial that panics (a harness bug) is an `error` result for its case, never a lost case:
//! the panic is caught where the trial runs, and a trial task that fails anyway is still
//! accounted for where the tasks are joined.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

/// `fut`, with a panic while it is polled caught and given back as its message. The future is
/// not polled again after a panic; dropping it drops what it held (a DUT among them: its guard
/// kills it).
pub(super) fn caught<F: Future>(fut: F) -> Caught<F> {
    Caught(Box::pin(fut))
}

pub(super) struct Caught<F>(Pin<Box<F>>);

impl<F: Future> Future for Caught<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.get_mut().0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(panic_text(payload.as_ref()))),
        }
    }
}

/// The message of a panic (`panic!("...")` gives a `&str` or a `String`).
pub(super) fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_panic_is_caught_with_its_message_and_a_result_passes_through() {
        assert_eq!(super::caught(async { 7 }).await, Ok(7));
        let n = 3;
        let r = super::caught(async move {
            tokio::task::yield_now().await;
            if n == 3 {
                panic!("injected in test: trial {n} broke");
            }
            0
        })
        .await;
        assert_eq!(r, Err("injected in test: trial 3 broke".to_string()));
        let r = super::caught(async { std::panic::panic_any(42u8) }).await;
        assert_eq!(r, Err::<(), _>("a panic without a message".to_string()));
    }
}
