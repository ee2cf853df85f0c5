//! Independent work shared by the two cores netclaw is built to run on.

/// `f` of each item, in order, half of them on a second thread. Should that thread
/// fail, its half is done again on this one (a panic in `f` then panics here, as it
/// would have had no thread been used).
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

/// Frees `value` on a thread of its own: a caller need not wait for a large
/// structure to be freed before it can answer.
///
/// The thread's stack is as deep as a prover's: symcc's terms nest one level per
/// policy, and freeing them recurses as deep (1 GiB reserved, touched only as used).
pub(crate) fn discard<T: Send + 'static>(value: T) {
    const STACK: usize = 1 << 30;
    // If no thread can be started, the value is freed here, as it would have been.
    let _ = std::thread::Builder::new().name("discard".into()).stack_size(STACK).spawn(move || drop(value));
}
