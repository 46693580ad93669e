package dev.cacheaside.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SampleDataTest {

    private static List<Object[]> all(SampleData data, String table) {
        List<Object[]> rows = new ArrayList<>();
        data.rows(table).forEachRemaining(rows::add);
        return rows;
    }

    @Test
    void rowCountsFollowTheScale() {
        assertThat(SampleData.generate(1).rowCounts()).containsExactly(
                Map.entry("airline", 10L), Map.entry("airport", 50L), Map.entry("airplane_type", 12L),
                Map.entry("airplane", 50L), Map.entry("flightschedule", 20L), Map.entry("flight", 100L),
                Map.entry("passenger", 100L), Map.entry("passengerdetails", 100L), Map.entry("booking", 1000L));
        Map<String, Long> big = SampleData.generate(1000).rowCounts();
        assertThat(big.get("booking")).isEqualTo(1_000_000L);
        assertThat(big.get("flight")).isEqualTo(100_000L);
        assertThat(big.get("airport")).isEqualTo(10_000L);
        for (String table : big.keySet()) {
            Iterator<Object[]> it = SampleData.generate(1).rows(table);
            int n = 0;
            while (it.hasNext()) {
                assertThat(it.next()).as(table + " row width").hasSize(SampleData.generate(1).columns(table).size());
                n++;
            }
            assertThat((long) n).as(table + " rows generated").isEqualTo(SampleData.generate(1).rowCounts().get(table));
        }
    }

    @Test
    void sameScaleAndSeedGiveTheSameRowsAndAnotherSeedDifferentOnes() {
        SampleData a = SampleData.generate(2, 7);
        SampleData b = SampleData.generate(2, 7);
        SampleData c = SampleData.generate(2, 8);
        for (String table : a.rowCounts().keySet()) {
            List<Object[]> ra = all(a, table);
            assertThat(ra.size()).isEqualTo(all(b, table).size());
            for (int i = 0; i < ra.size(); i++) {
                assertThat(ra.get(i)).as(table + " row " + i).isEqualTo(all(b, table).get(i));
            }
        }
        assertThat(all(a, "booking").get(0)).isNotEqualTo(all(c, "booking").get(0));
    }

    @Test
    void keysAreUniqueAndReferencesPointAtExistingRows() {
        SampleData data = SampleData.generate(3);
        Map<String, Long> counts = data.rowCounts();
        for (String table : counts.keySet()) {
            Set<Object> keys = new HashSet<>();
            for (Object[] row : all(data, table)) {
                assertThat(keys.add(row[0])).as(table + " key " + row[0] + " unique").isTrue();
            }
        }
        Set<Object> iata = new HashSet<>();
        all(data, "airport").forEach(r -> assertThat(iata.add(r[1])).as("airport iata unique").isTrue());
        for (Object[] f : all(data, "flight")) {
            assertThat((int) f[2]).isBetween(1, counts.get("airport").intValue());
            assertThat((int) f[3]).isNotEqualTo(f[2]);
            assertThat((int) f[7]).isBetween(1, counts.get("airplane").intValue());
        }
        for (Object[] b : all(data, "booking")) {
            assertThat((int) b[1]).isBetween(1, counts.get("flight").intValue());
            assertThat((int) b[3]).isBetween(1, counts.get("passenger").intValue());
        }
    }

    @Test
    void scaleIsChecked() {
        assertThatIllegalArgumentException().isThrownBy(() -> SampleData.generate(0)).withMessageContaining("scale=0");
        assertThatIllegalArgumentException().isThrownBy(() -> SampleData.generate(SampleData.MAX_SCALE + 1))
                .withMessageContaining("scale=10001");
        assertThatIllegalArgumentException().isThrownBy(() -> SampleData.generate(1).rows("nope"))
                .withMessageContaining("no table 'nope'");
    }
}
