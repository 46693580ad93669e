package dev.cacheaside.memcached;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Turns the bytes a memcached server sends into {@link Response}s, in order, however the bytes
 * are split into packets. Built on Vert.x's {@link RecordParser}: delimited mode ({@code \r\n})
 * for response lines, switched to fixed-size mode for the {@code <size>+2} bytes of a value
 * block after a {@code VA <size>} line, and back.
 *
 * <p>Not thread safe: one instance per connection, fed from the connection's event loop. A
 * malformed stream is reported once through {@code onError} and the parser then ignores its
 * input; the connection must be closed.
 */
final class ResponseParser implements Handler<Buffer> {

    private static final String CRLF = "\r\n";

    private final RecordParser records;
    private final Consumer<Response> onResponse;
    private final Consumer<Throwable> onError;
    private Response valueHeader;
    private boolean failed;

    ResponseParser(Consumer<Response> onResponse, Consumer<Throwable> onError) {
        this.onResponse = onResponse;
        this.onError = onError;
        this.records = RecordParser.newDelimited(CRLF, this::onRecord);
    }

    @Override
    public void handle(Buffer bytes) {
        if (!failed) {
            records.handle(bytes);
        }
    }

    private void onRecord(Buffer record) {
        if (failed) {
            return;
        }
        try {
            if (valueHeader != null) {
                onValueBlock(record);
            } else {
                onLine(record.toString(StandardCharsets.US_ASCII));
            }
        } catch (RuntimeException e) {
            failed = true;
            onError.accept(e);
        }
    }

    private void onValueBlock(Buffer block) {
        int size = block.length() - 2;
        if (size < 0 || block.getByte(size) != '\r' || block.getByte(size + 1) != '\n') {
            throw new IllegalStateException("memcached protocol error: value block not ended by \\r\\n");
        }
        Response header = valueHeader;
        valueHeader = null;
        records.delimitedMode(CRLF);
        onResponse.accept(header.withValue(block.getBytes(0, size)));
    }

    private void onLine(String line) {
        if (line.startsWith("SERVER_ERROR")) {
            onResponse.accept(new Response(Response.Status.SERVER_ERROR, new String[0], null, line.substring(12).trim()));
            return;
        }
        if (line.startsWith("CLIENT_ERROR")) {
            onResponse.accept(new Response(Response.Status.CLIENT_ERROR, new String[0], null, line.substring(12).trim()));
            return;
        }
        if (line.equals("ERROR")) {
            onResponse.accept(new Response(Response.Status.ERROR, new String[0], null, "ERROR"));
            return;
        }
        String[] words = line.isEmpty() ? new String[0] : line.split(" ");
        if (words.length == 0) {
            throw new IllegalStateException("memcached protocol error: empty response line");
        }
        Response.Status status = status(words[0], line);
        if (status == Response.Status.VALUE) {
            if (words.length < 2) {
                throw new IllegalStateException("memcached protocol error: VA without a size: " + abbreviate(line));
            }
            int size;
            try {
                size = Integer.parseInt(words[1]);
            } catch (NumberFormatException e) {
                throw new IllegalStateException("memcached protocol error: bad value size: " + abbreviate(line));
            }
            if (size < 0) {
                throw new IllegalStateException("memcached protocol error: negative value size: " + abbreviate(line));
            }
            valueHeader = new Response(status, copy(words, 2), null, null);
            records.fixedSizeMode(size + 2);
            return;
        }
        onResponse.accept(new Response(status, copy(words, 1), null, null));
    }

    private static Response.Status status(String code, String line) {
        switch (code) {
            case "VA": return Response.Status.VALUE;
            case "HD": return Response.Status.HEADER;
            case "EN": return Response.Status.MISS;
            case "NF": return Response.Status.NOT_FOUND;
            case "NS": return Response.Status.NOT_STORED;
            case "EX": return Response.Status.EXISTS;
            case "MN": return Response.Status.NOOP;
            default:
                throw new IllegalStateException("memcached protocol error: unexpected response line: " + abbreviate(line));
        }
    }

    private static String[] copy(String[] words, int from) {
        String[] out = new String[words.length - from];
        System.arraycopy(words, from, out, 0, out.length);
        return out;
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 80) + "...";
    }
}
