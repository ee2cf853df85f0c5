//! Independent work shared by the two cores netclaw is built to run on.

/// `f` of each item, in order, half of them on a second thread. Should that half
/// panic, it is done again on this thread, so a panic in `f` reaches the caller as it
/// would have with no second thread.
pub(crate) fn on_both_cores<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let (first, second) = items.split_at(items.len() / 2);
    let map = |part: &[T]| part.iter().map(&f).collect::<Vec<R>>();
    std::thread::scope(|scope| {
        let other = scope.spawn(|| map(second));
        let mut all = map(first);
        all.extend(other.join().unwrap_or_else(|_| map(second)));
        all
    })
}

/// The stack a thread reserves when it may hold symcc's terms: they nest one level
/// per policy, and compiling or freeing them recurses as deep. Reserved, not
/// committed: only what is used is touched.
pub(crate) const DEEP_STACK: usize = 1 << 30;

/// Frees `value` on a thread of its own: a caller need not wait for a large
/// structure to be freed before it can answer.
/// Its stack is a prover's ([`DEEP_STACK`]): the value may hold symcc's terms.
pub(crate) fn discard<T: Send + 'static>(value: T) {
    // If no thread can be started, the value is freed here, as it would have been.
    let _ = std::thread::Builder::new().name("discard".into()).stack_size(DEEP_STACK).spawn(move || drop(value));
}
