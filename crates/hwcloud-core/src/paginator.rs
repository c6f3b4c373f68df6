//! Offset/limit pagination as async streams of pages or items.

use crate::error::Error;
use crate::operation::Operation;
use crate::runtime::{CallOptions, Response, Runtime};
use futures_core::Stream;

/// How to page one list operation; generated per operation from the spec's `pagination`.
#[derive(Debug)]
pub struct PageSpec<O: Operation, T> {
    /// Reads the input's offset (None = 0).
    pub offset: fn(&O) -> Option<i64>,
    /// Sets the input's offset.
    pub set_offset: fn(&mut O, i64),
    /// Reads the input's page size, if set.
    pub limit: fn(&O) -> Option<i64>,
    /// Takes the items out of a page.
    pub items: fn(&O::Output) -> Vec<T>,
    /// The total count the page reports, if any.
    pub total: fn(&O::Output) -> Option<i64>,
}

impl<O: Operation, T> Clone for PageSpec<O, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O: Operation, T> Copy for PageSpec<O, T> {}

/// Pages from the input's offset on, until a short or empty page or the reported total.
pub fn pages<O>(
    runtime: Runtime,
    input: O,
    spec: PageSpec<O, impl Sized + 'static>,
) -> impl Stream<Item = Result<Response<O::Output>, Error>>
where
    O: Operation + Clone,
{
    struct State<O> {
        runtime: Runtime,
        input: O,
        done: bool,
    }
    let init = State {
        runtime,
        input,
        done: false,
    };
    futures_util::stream::unfold(init, move |mut st| async move {
        if st.done {
            return None;
        }
        let resp = match st.runtime.call(&st.input, CallOptions::default()).await {
            Ok(r) => r,
            Err(e) => {
                st.done = true;
                return Some((Err(e), st));
            }
        };
        let offset = (spec.offset)(&st.input).unwrap_or(0);
        let count = (spec.items)(&resp.output).len() as i64;
        let next = offset + count;
        let short = match (spec.limit)(&st.input) {
            Some(limit) => count < limit,
            None => false,
        };
        let past_total = (spec.total)(&resp.output).is_some_and(|t| next >= t);
        if count == 0 || short || past_total {
            st.done = true;
        } else {
            (spec.set_offset)(&mut st.input, next);
        }
        Some((Ok(resp), st))
    })
}

/// Every item of every page.
pub fn items<O, T>(
    runtime: Runtime,
    input: O,
    spec: PageSpec<O, T>,
) -> impl Stream<Item = Result<T, Error>>
where
    O: Operation + Clone,
    T: 'static,
{
    use futures_util::StreamExt;
    pages(runtime, input, spec).flat_map(move |page| {
        let batch: Vec<Result<T, Error>> = match page {
            Ok(resp) => (spec.items)(&resp.output).into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        futures_util::stream::iter(batch)
    })
}
