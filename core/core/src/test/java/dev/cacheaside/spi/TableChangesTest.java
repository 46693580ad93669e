package dev.cacheaside.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableChangesTest {

    @Test
    void tablesAreCopiedAndConservativeIsMarked() {
        List<String> tables = new ArrayList<>(List.of("public.orders", "items"));
        TableChanges changes = TableChanges.of(tables, "lsn 1");
        tables.add("other");
        assertThat(changes.tables()).containsExactly("public.orders", "items");
        assertThat(changes.conservative()).isFalse();
        assertThat(TableChanges.everything(List.of("a"), "").conservative()).isTrue();
    }

    @Test
    void badInputIsRefused() {
        assertThatThrownBy(() -> TableChanges.of(List.of(), "p")).hasMessageContaining("at least one table");
        assertThatThrownBy(() -> TableChanges.of(Arrays.asList("a", null), "p")).hasMessageContaining("null or blank");
        assertThatThrownBy(() -> TableChanges.of(List.of(" "), "p")).hasMessageContaining("null or blank");
        assertThatThrownBy(() -> TableChanges.of(List.of("a"), null)).isInstanceOf(NullPointerException.class);
    }
}
