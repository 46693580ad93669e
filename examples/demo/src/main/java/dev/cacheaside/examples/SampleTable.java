package dev.cacheaside.examples;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;

/** One table of {@link SampleData}: name, DDL columns, index columns and a lazy row source. */
final class SampleTable {
    final String name;
    final List<String> columns;
    final String ddl;
    final List<String> indexes;
    final long rowCount;
    private final IntFunction<Object[]> row;

    SampleTable(String name, String ddl, List<String> indexes, long rowCount, IntFunction<Object[]> row) {
        this.name = name;
        this.ddl = ddl;
        this.indexes = indexes;
        this.rowCount = rowCount;
        this.row = row;
        List<String> names = new ArrayList<>();
        for (String part : ddl.split(",(?![^()]*\\))")) {
            String p = part.strip();
            if (!p.toUpperCase(java.util.Locale.ROOT).startsWith("PRIMARY KEY")) {
                names.add(p.substring(0, p.indexOf(' ')));
            }
        }
        this.columns = List.copyOf(names);
    }

    /** The rows, generated on the fly; row {@code i} (0-based) is the same every time. */
    Iterator<Object[]> rows() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < rowCount;
            }

            @Override
            public Object[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return row.apply(next++);
            }
        };
    }
}
