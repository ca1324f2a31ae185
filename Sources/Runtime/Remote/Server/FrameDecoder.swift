import NIOCore

/// Cuts the byte stream into frames: a 4-byte big-endian length that counts itself, then
/// that many bytes less four. The length is checked before anything is buffered for it, so
/// a peer cannot make us hold more than one maximal message; a length outside 28 bytes …
/// 32 MiB + 4 means the peer does not speak the protocol, and the connection is closed
/// (as libvirt does: it cannot answer what it cannot frame).
struct RemoteFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    struct BadLength: Error, CustomStringConvertible {
        let length: UInt32
        var description: String { "frame length \(length) outside 28…\(RemoteLimits.messageMax + 4)" }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length >= UInt32(4 + RemoteLimits.headerSize), Int(length) - 4 <= RemoteLimits.messageMax else {
            throw BadLength(length: length)
        }
        guard buffer.readableBytes >= Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readBytes(length: Int(length) - 4)!
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A truncated frame at EOF is dropped with the connection.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
