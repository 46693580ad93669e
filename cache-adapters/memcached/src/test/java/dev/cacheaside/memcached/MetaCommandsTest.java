package dev.cacheaside.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetaCommandsTest {

    @Test
    void validKeys() {
        assertThat(MetaCommands.invalidKey("query:" + "0123456789abcdef".repeat(4))).as("engine key").isNull();
        assertThat(MetaCommands.invalidKey("k".repeat(250))).as("250 characters").isNull();
        assertThat(MetaCommands.invalidKey("!~")).as("printable punctuation").isNull();
    }

    @Test
    void invalidKeysSayWhy() {
        assertThat(MetaCommands.invalidKey("k".repeat(251))).as("251 characters").contains("251").contains("250");
        assertThat(MetaCommands.invalidKey("a b")).as("space").contains("space").contains("index 1");
        assertThat(MetaCommands.invalidKey("a\r\nb")).as("CR").contains("U+000D");
        assertThat(MetaCommands.invalidKey("\u007f")).as("DEL").contains("U+007F");
        assertThat(MetaCommands.invalidKey("caf\u00e9")).as("non-ASCII").contains("U+00E9");
        assertThat(MetaCommands.invalidKey("")).as("empty").contains("empty");
    }

    @Test
    void commandsOnTheWire() {
        assertThat(MetaCommands.get("k", 7).toString(StandardCharsets.US_ASCII)).isEqualTo("mg k v f O7\r\n");
        assertThat(MetaCommands.getWithCas("k", 13).toString(StandardCharsets.US_ASCII)).isEqualTo("mg k v c f O13\r\n");
        assertThat(MetaCommands.getOrLease("k", 30, 8).toString(StandardCharsets.US_ASCII))
                .isEqualTo("mg k v c f t N30 O8\r\n");
        assertThat(MetaCommands.set("k", new byte[] {'a', '\r', '\n'}, 60, 9).toString(StandardCharsets.US_ASCII))
                .isEqualTo("ms k 3 T60 F1 O9\r\na\r\n\r\n");
        assertThat(MetaCommands.setIfCas("k", 123, new byte[] {'v'}, 60, 10).toString(StandardCharsets.US_ASCII))
                .isEqualTo("ms k 1 C123 T60 F1 O10\r\nv\r\n");
        assertThat(MetaCommands.delete("k", 11).toString(StandardCharsets.US_ASCII)).isEqualTo("md k O11\r\n");
        assertThat(MetaCommands.deleteIfCas("k", 5, 12).toString(StandardCharsets.US_ASCII)).isEqualTo("md k C5 O12\r\n");
    }
}
