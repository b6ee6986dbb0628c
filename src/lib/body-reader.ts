import type { IncomingMessage } from 'node:http';
import type { Rejection } from './delivery';

export interface BodyLimits {
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** How long a client may take to send the whole body. */
  readonly timeoutMs: number;
}

/**
 * Reads a request body into one Buffer, stopping as soon as it is over the
 * limit (or the declared length already is) or the client is too slow.
 * Resolves to the bytes, or to the rejection to answer with.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer | Rejection> {
  const tooLarge: Rejection = { status: 413, reason: `Body larger than ${limits.maxBytes} bytes` };
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxBytes) return Promise.resolve(tooLarge);
  // The usual case: the whole body came with the headers, and Node-RED's apps took a turn of the event loop to
  // route the request, so it waits in the request's buffer. Taken in one read: no listeners, no timer. (Unless
  // the request flows to a reader already: read() would then return one chunk, not all.)
  if (req.complete && req.readableFlowing !== true && req.readableLength <= limits.maxBytes) {
    return Promise.resolve(req.readableLength === 0 ? Buffer.alloc(0) : (req.read() as Buffer));
  }

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (result: Buffer | Rejection): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (!Buffer.isBuffer(result)) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limits.maxBytes) return finish(tooLarge);
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received));
    const onError = (): void => finish({ status: 400, reason: 'Request body could not be read' });
    const onClose = (): void => finish({ status: 400, reason: 'Client closed the request mid-body' });
    const timer = setTimeout(
      () => finish({ status: 408, reason: `Body not received within ${limits.timeoutMs} ms` }),
      limits.timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
