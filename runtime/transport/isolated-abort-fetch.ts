/**
 * A fetch for the MCP SDK's legacy SSE client transport (`SSEClientTransport` of `@modelcontextprotocol/client` 2.x)
 * that gives every request an AbortSignal of its own (streamable HTTP goes through the runtime's own transport,
 * `streamable-http-transport.ts`, which does not use fetch).
 *
 * Why: the SDK (v1, and v2 still) hands one transport-lifetime signal to every POST's fetch, and Node's fetch
 * (undici) adds an abort listener to that signal per request which only goes away at garbage collection. A busy connection gathers
 * thousands of them; each further fetch copies the list (getEventListeners), and past 1,500 Node prints a
 * MaxListenersExceededWarning on every call. Here the transport's signal carries one listener per request still
 * in flight, removed as soon as the response body has been read, cancelled or has failed — so closing the
 * transport still aborts whatever is in flight, and nothing accumulates.
 */
import type { FetchLike } from '@modelcontextprotocol/client';

/** Statuses whose responses cannot carry a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Wraps `base` (default: the global fetch) so no listener outlives its request on the caller's signal. */
export function isolatedAbortFetch(base: FetchLike = fetch): FetchLike {
  return async (url, init) => {
    const outer = init?.signal;
    if (!outer || outer.aborted) return base(url, init);
    const own = new AbortController();
    const forward = () => own.abort(outer.reason);
    outer.addEventListener('abort', forward, { once: true });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      outer.removeEventListener('abort', forward);
    };

    let response: Response;
    try {
      response = await base(url, { ...init, signal: own.signal });
    } catch (error) {
      release();
      throw error;
    }
    if (!response.body || NULL_BODY_STATUSES.has(response.status)) {
      release();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          release();
          controller.error(error);
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
