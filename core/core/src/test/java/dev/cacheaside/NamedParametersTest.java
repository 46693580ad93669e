package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Named parameters: which {@code :name} is a marker, and the clear refusals. */
class NamedParametersTest {

    @Test
    void aNamedQueryIsItsPositionalForm() {
        Query q = Query.named("SELECT * FROM t WHERE a = :a AND b = :b_2 OR a = :a", Map.of("a", 1, "b_2", "x"));
        assertThat(q.sql()).isEqualTo("SELECT * FROM t WHERE a = ? AND b = ? OR a = ?");
        assertThat(q.parameters()).containsExactly(1, "x", 1);
        assertThat(q).as("equal to the query written with ?").isEqualTo(Query.of("SELECT * FROM t WHERE a = ? AND b = ? OR a = ?", 1, "x", 1));
    }

    @Test
    void stringsCommentsQuotedNamesAndCastsAreNotMarkers() {
        Map<String, Object> id = Map.of("id", 7);
        assertThat(Query.named("SELECT ':x', \":y\", a::text /* :z */ FROM t WHERE id = :id -- :w\n", id).sql())
                .isEqualTo("SELECT ':x', \":y\", a::text /* :z */ FROM t WHERE id = ? -- :w\n");
        assertThatThrownBy(() -> Query.named("SELECT `:q` FROM t WHERE id = :id", id))
                .as("backticks quote only for MySQL and H2: for PostgreSQL :q is code")
                .hasMessageContaining("not the same under every server setting");
    }

    @Test
    void badInputIsRefusedNamingTheProblem() {
        assertThatThrownBy(() -> Query.named("SELECT * FROM t WHERE a = :a", Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no value for the named parameter :a");
        assertThatThrownBy(() -> Query.named("SELECT * FROM t WHERE a = :a", Map.of("a", 1, "b", 2)))
                .hasMessageContaining("does not use: [b]");
        assertThatThrownBy(() -> Query.named("SELECT * FROM t WHERE a = :a AND b = ?", Map.of("a", 1)))
                .hasMessageContaining("mixes ? markers");
        assertThatThrownBy(() -> Query.named("SELECT 1", Map.of("a", 1))).hasMessageContaining("no :name marker");
        assertThatThrownBy(() -> Query.named("SELECT * FROM t WHERE a = :A", Map.of("a", 1)))
                .as("names are case-sensitive").hasMessageContaining("no value for the named parameter :A");
        // a backslash before the quote ends the string for PostgreSQL but not for MySQL: the
        // marker after it is code for one server and string for the other
        assertThatThrownBy(() -> Query.named("SELECT 'a\\' , :a, 'b' FROM t", Map.of("a", 1)))
                .hasMessageContaining("cannot be read under");
        assertThatThrownBy(() -> Query.named("SELECT * FROM t WHERE a = :a", null)).hasMessageContaining("null");
    }

    /** Generated SQL of code markers between strings, comments, quoted names and casts holding ':' text. */
    @Property(tries = 500)
    void onlyTheMarkersInCodeAreReplaced(@ForAll("pieces") List<String[]> pieces) {
        StringBuilder named = new StringBuilder("SELECT 1 FROM t WHERE 1 = 1");
        StringBuilder expected = new StringBuilder(named);
        Map<String, Object> values = new HashMap<>();
        List<Object> ordered = new ArrayList<>();
        for (String[] piece : pieces) {
            named.append(' ').append(piece[0]);
            expected.append(' ').append(piece[1]);
            if (piece.length > 2) {
                values.put(piece[2], piece[2].length());
                ordered.add(piece[2].length());
            }
        }
        if (values.isEmpty()) {
            assertThatThrownBy(() -> Query.named(named.toString(), values)).isInstanceOf(IllegalArgumentException.class);
            return;
        }
        Query q = Query.named(named.toString(), values);
        assertThat(q.sql()).isEqualTo(expected.toString());
        assertThat(q.parameters()).isEqualTo(ordered);
    }

    @Provide
    Arbitrary<List<String[]>> pieces() {
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6)
                .map(n -> "p_" + n);
        Arbitrary<String[]> marker = name.map(n -> new String[] {"AND c = :" + n, "AND c = ?", n});
        Arbitrary<String[]> literal = name.map(n -> new String[] {"AND s = ':" + n + "'", "AND s = ':" + n + "'"});
        Arbitrary<String[]> comment = name.map(n -> new String[] {"/* :" + n + " */", "/* :" + n + " */"});
        Arbitrary<String[]> quoted = name.map(n -> new String[] {"AND \":" + n + "\" = 1", "AND \":" + n + "\" = 1"});
        Arbitrary<String[]> cast = name.map(n -> new String[] {"AND CAST(x AS TEXT) = x", "AND CAST(x AS TEXT) = x"});
        return Combinators.combine(Arbitraries.oneOf(marker, literal, comment, quoted, cast).list().ofMaxSize(8),
                Arbitraries.just(0)).as((list, ignored) -> dedupe(list));
    }

    /** A name appears once per generated text (repeats are covered by the example test). */
    private static List<String[]> dedupe(List<String[]> pieces) {
        List<String[]> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String[] p : pieces) {
            if (p.length < 3 || names.add(p[2])) {
                out.add(p);
            }
        }
        return out;
    }
}
