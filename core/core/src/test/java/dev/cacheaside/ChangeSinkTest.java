package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.spi.TableChanges;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CacheAside#changeSink()}: changes a source reports invalidate by table, names as the source spells them. */
class ChangeSinkTest {

    final TableInvalidationTest.TableVersions database = new TableInvalidationTest.TableVersions();
    final CacheAside cache = CacheAside.builder().database(database).cache(new InMemoryCacheStore()).build();

    @Test
    void aSchemaQualifiedChangeMakesDependentQueriesMissAndLeavesOthersCached() {
        cache.query("SELECT * FROM booking WHERE booking_id = 1").block();
        cache.query("SELECT * FROM airline WHERE airline_id = 1").block();
        database.versions.put("booking", 7L);

        cache.changeSink().accept(TableChanges.of(List.of("public.Booking"), "0/16B3748")).block();

        QueryResult dependent = cache.query("SELECT * FROM booking WHERE booking_id = 1").block();
        assertThat(dependent.source()).isEqualTo(Source.CACHE_MISS);
        assertThat(dependent.rows().get(0, 0)).as("the committed value, not the cached one").isEqualTo(7L);
        assertThat(cache.query("SELECT * FROM airline WHERE airline_id = 1").block().source())
                .as("a query over another table stays cached").isEqualTo(Source.CACHE_HIT);
    }

    @Test
    void aFailedInvalidationErrorsSoTheSourceDeliversAgain() {
        CacheAside noTags = CacheAside.builder().database(database)
                .cache(new dev.cacheaside.testing.PlainCacheStore()).build();
        assertThatThrownBy(() -> noTags.changeSink().accept(TableChanges.of(List.of("booking"), "")).block())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
