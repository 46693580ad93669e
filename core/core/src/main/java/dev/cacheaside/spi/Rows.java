package dev.cacheaside.spi;

import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The rows of one query result: column names in select order and one value per column per row.
 *
 * <p>Immutable and thread safe. Values keep the Java classes the driver produced; a SQL NULL is
 * {@code null}. {@link #asMaps()} gives the familiar view of each row as an ordered map from
 * column name to value without copying.
 */
public final class Rows {

    private static final Rows EMPTY = new Rows(List.of(), List.of());

    private final List<String> columns;
    private final List<Object[]> values;
    private final Map<String, Integer> indexByName;

    private Rows(List<String> columns, List<Object[]> values) {
        this.columns = columns;
        this.values = values;
        Map<String, Integer> index = new HashMap<>(columns.size() * 2);
        for (int i = 0; i < columns.size(); i++) {
            index.putIfAbsent(columns.get(i), i);
        }
        this.indexByName = index;
    }

    /**
     * Rows with the given column names and row values.
     *
     * @param columns the column names in select order
     * @param rows    one array per row, each as long as {@code columns}; the arrays are copied
     * @throws IllegalArgumentException when a row's length differs from the number of columns
     */
    public static Rows of(List<String> columns, List<Object[]> rows) {
        Objects.requireNonNull(columns, "columns");
        Objects.requireNonNull(rows, "rows");
        List<String> names = List.copyOf(columns);
        List<Object[]> copies = new ArrayList<>(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            Object[] row = rows.get(r);
            if (row.length != names.size()) {
                throw new IllegalArgumentException("row " + r + " has " + row.length
                        + " values but there are " + names.size() + " columns");
            }
            copies.add(row.clone());
        }
        return new Rows(names, Collections.unmodifiableList(copies));
    }

    /** Rows with no columns and no rows. */
    public static Rows empty() {
        return EMPTY;
    }

    /**
     * Rows over the given row arrays as they are, without copying them (the cache's codec reads
     * rows with it); like {@link Builder#add}, the caller promises never to change the arrays
     * afterwards. Prefer {@link #of}, which copies.
     */
    public static Rows wrap(List<String> columns, List<Object[]> rows) {
        return new Rows(List.copyOf(columns), Collections.unmodifiableList(rows));
    }

    /** A builder that collects rows for the given columns; for adapters. */
    public static Builder builder(List<String> columns) {
        return new Builder(List.copyOf(columns));
    }

    /** The column names in select order. */
    public List<String> columns() {
        return columns;
    }

    /** The number of rows. */
    public int size() {
        return values.size();
    }

    /** Whether there are no rows. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The value in row {@code row} (0-based) and column {@code column} (0-based). */
    public Object get(int row, int column) {
        return values.get(row)[column];
    }

    /** The value in row {@code row} (0-based) of the column named {@code column}. */
    public Object get(int row, String column) {
        Integer index = indexByName.get(column);
        if (index == null) {
            throw new IllegalArgumentException("no column '" + column + "'; columns are " + columns);
        }
        return values.get(row)[index];
    }

    /**
     * Each row as an unmodifiable map from column name to value, iterating in select order.
     * A view: nothing is copied.
     */
    public List<Map<String, Object>> asMaps() {
        return new AbstractList<>() {
            @Override
            public Map<String, Object> get(int index) {
                return new RowMap(values.get(index));
            }

            @Override
            public int size() {
                return values.size();
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Rows)) {
            return false;
        }
        Rows other = (Rows) o;
        if (!columns.equals(other.columns) || values.size() != other.values.size()) {
            return false;
        }
        for (int i = 0; i < values.size(); i++) {
            if (!Arrays.deepEquals(values.get(i), other.values.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = columns.hashCode();
        for (Object[] row : values) {
            h = 31 * h + Arrays.deepHashCode(row);
        }
        return h;
    }

    @Override
    public String toString() {
        return asMaps().toString();
    }

    /** Collects rows for {@link Rows}; not thread safe. */
    public static final class Builder {
        private final List<String> columns;
        private final List<Object[]> rows = new ArrayList<>();

        private Builder(List<String> columns) {
            this.columns = columns;
        }

        /** Adds one row; the array is taken as it is and must not be changed afterwards. */
        public Builder add(Object[] row) {
            if (row.length != columns.size()) {
                throw new IllegalArgumentException("row has " + row.length
                        + " values but there are " + columns.size() + " columns");
            }
            rows.add(row);
            return this;
        }

        /** The rows collected so far. */
        public Rows build() {
            return new Rows(columns, Collections.unmodifiableList(new ArrayList<>(rows)));
        }
    }

    /** One row seen as an ordered, unmodifiable map. */
    private final class RowMap extends AbstractMap<String, Object> {
        private final Object[] row;

        RowMap(Object[] row) {
            this.row = row;
        }

        @Override
        public Object get(Object key) {
            Integer index = indexByName.get(key);
            return index == null ? null : row[index];
        }

        @Override
        public boolean containsKey(Object key) {
            return indexByName.containsKey(key);
        }

        @Override
        public int size() {
            return row.length;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < row.length;
                        }

                        @Override
                        public Entry<String, Object> next() {
                            if (next >= row.length) {
                                throw new NoSuchElementException();
                            }
                            int i = next++;
                            return new SimpleImmutableEntry<>(columns.get(i), row[i]);
                        }
                    };
                }

                @Override
                public int size() {
                    return row.length;
                }
            };
        }
    }
}
