/**
 * Server-to-client WebSocket text frames (RFC 6455 §5.2). A server frame is never masked, so the
 * bytes of one message are the same for every client: they are built once and written to each
 * socket as they are.
 */

export function textFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload)
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)
  frame[0] = 0x81 // FIN + text
  if (length < 126) {
    frame[1] = length
  } else if (length < 65_536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  frame.write(payload, headerLength, 'utf8')
  return frame
}
