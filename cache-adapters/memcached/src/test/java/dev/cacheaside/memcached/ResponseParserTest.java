package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseParserTest {

    private final List<Response> responses = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final ResponseParser parser = new ResponseParser(responses::add, errors::add);

    @Test
    void statusLinesWithFlags() {
        parser.handle(ascii("HD O7\r\nEN\r\nNF O9\r\nNS\r\nEX c12\r\nMN\r\n"));
        assertThat(responses).extracting(Response::status).as("statuses in order").containsExactly(
                Response.Status.HEADER, Response.Status.MISS, Response.Status.NOT_FOUND,
                Response.Status.NOT_STORED, Response.Status.EXISTS, Response.Status.NOOP);
        assertThat(responses.get(0).token('O')).as("opaque of the first").isEqualTo("7");
        assertThat(responses.get(4).token('c')).as("cas of EX").isEqualTo("12");
        assertThat(responses.get(1).has('O')).as("EN without flags").isFalse();
        assertThat(errors).as("errors").isEmpty();
    }

    @Test
    void valueWithFlagsIncludingWinAndStale() {
        parser.handle(ascii("VA 0 c42 f0 W\r\n\r\nVA 3 c43 f1 Z O5\r\nabc\r\n"));
        assertThat(responses).as("responses").hasSize(2);
        Response won = responses.get(0);
        assertThat(won.status()).as("first status").isEqualTo(Response.Status.VALUE);
        assertThat(won.value()).as("empty placeholder value").isEmpty();
        assertThat(won.has('W')).as("W flag").isTrue();
        assertThat(won.token('W')).as("W carries no token").isEmpty();
        assertThat(won.token('c')).as("cas").isEqualTo("42");
        assertThat(responses.get(1).has('Z')).as("Z flag").isTrue();
        assertThat(responses.get(1).value()).as("value").isEqualTo(bytes("abc"));
        assertThat(responses.get(1).token('O')).as("opaque").isEqualTo("5");
    }

    @Test
    void valueContainingCrLfAndEveryByteValue() {
        byte[] value = new byte[256 * 2 + 4];
        for (int i = 0; i < 256; i++) {
            value[i] = (byte) i;
            value[256 + i] = (byte) (255 - i);
        }
        value[512] = '\r';
        value[513] = '\n';
        value[514] = '\r';
        value[515] = '\n';
        Buffer wire = ascii("VA " + value.length + " f1\r\n").appendBytes(value).appendString("\r\nHD\r\n");
        parser.handle(wire);
        assertThat(responses).as("responses").hasSize(2);
        assertThat(responses.get(0).value()).as("every byte value and embedded CRLFs kept").isEqualTo(value);
        assertThat(responses.get(1).status()).as("the line after the value").isEqualTo(Response.Status.HEADER);
    }

    @Test
    void responsesSplitAcrossPacketsAtEveryByte() {
        byte[] value = "line1\r\nline2\r\n".getBytes(StandardCharsets.US_ASCII);
        Buffer wire = ascii("VA " + value.length + " f1 O1\r\n").appendBytes(value)
                .appendString("\r\nEN\r\nVA 2 O3\r\nhi\r\nSERVER_ERROR object too large for cache\r\nHD O5\r\n");
        // feed one byte at a time: every split point inside lines, value blocks and CRLFs
        for (int i = 0; i < wire.length(); i++) {
            parser.handle(wire.getBuffer(i, i + 1));
        }
        assertThat(errors).as("errors").isEmpty();
        assertThat(responses).extracting(Response::status).as("statuses").containsExactly(
                Response.Status.VALUE, Response.Status.MISS, Response.Status.VALUE,
                Response.Status.SERVER_ERROR, Response.Status.HEADER);
        assertThat(responses.get(0).value()).as("value with CRLFs split byte by byte").isEqualTo(value);
        assertThat(responses.get(2).value()).as("second value").isEqualTo(bytes("hi"));
        assertThat(responses.get(3).message()).as("server error message").isEqualTo("object too large for cache");
        assertThat(responses.get(4).token('O')).as("last opaque").isEqualTo("5");
    }

    @Test
    void manyPipelinedResponsesInOneBuffer() {
        Buffer wire = Buffer.buffer();
        for (int i = 0; i < 1000; i++) {
            String v = "value-" + i;
            wire.appendString("VA " + v.length() + " f1 O" + i + "\r\n" + v + "\r\n");
            wire.appendString("HD O" + i + "\r\n");
        }
        parser.handle(wire);
        assertThat(responses).as("responses").hasSize(2000);
        for (int i = 0; i < 1000; i++) {
            assertThat(new String(responses.get(2 * i).value(), StandardCharsets.US_ASCII)).as("value %d", i)
                    .isEqualTo("value-" + i);
            assertThat(responses.get(2 * i + 1).token('O')).as("opaque of HD %d", i).isEqualTo(Integer.toString(i));
        }
    }

    @Test
    void errorLines() {
        parser.handle(ascii("CLIENT_ERROR bad command line format\r\nERROR\r\n"));
        assertThat(responses).extracting(Response::status).as("statuses")
                .containsExactly(Response.Status.CLIENT_ERROR, Response.Status.ERROR);
        assertThat(responses.get(0).message()).as("client error message").isEqualTo("bad command line format");
    }

    @Test
    void malformedStreamIsReportedOnceAndTheRestIgnored() {
        parser.handle(ascii("HD\r\nWHAT is this\r\nHD\r\n"));
        assertThat(responses).as("responses before the bad line").hasSize(1);
        assertThat(errors).as("errors").hasSize(1);
        assertThat(errors.get(0)).hasMessageContaining("unexpected response line");
        parser.handle(ascii("HD\r\n"));
        assertThat(responses).as("nothing parsed after the error").hasSize(1);
    }

    @Test
    void valueBlockNotEndedByCrLfIsAnError() {
        parser.handle(ascii("VA 2\r\nabcd\r\n"));
        assertThat(errors).as("errors").hasSize(1);
        assertThat(responses).as("responses").isEmpty();
    }

    private static Buffer ascii(String s) {
        return Buffer.buffer(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
