package dev.cacheaside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.internal.EngineAccess;
import dev.cacheaside.spi.Rows;
import dev.cacheaside.testing.CountingQueryExecutor;
import dev.cacheaside.testing.InMemoryCacheStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test kit's way to an instance's engine: {@link EngineAccess}, registered by the facade. */
class EngineAccessTest {

    static final Rows ONE = Rows.of(List.of("id"), List.<Object[]>of(new Object[] {1}));

    @Test
    void reachesTheEngineOfEachInstance() {
        try (CacheAside a = CacheAside.builder().database(CountingQueryExecutor.answering(ONE))
                     .cache(new InMemoryCacheStore()).build();
             CacheAside b = CacheAside.builder().database(CountingQueryExecutor.answering(ONE))
                     .cache(new InMemoryCacheStore()).build()) {
            assertThat(EngineAccess.engineOf(a)).isSameAs(a.engine());
            assertThat(EngineAccess.engineOf(b)).isSameAs(b.engine()).isNotSameAs(a.engine());
        }
    }

    @Test
    void refusesWhatIsNotAFacadeAndASecondRegistration() {
        CacheAside.builder();  // the facade's class is initialised, so its accessor is registered
        assertThatThrownBy(() -> EngineAccess.engineOf("not a cache"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a CacheAside");
        assertThatThrownBy(() -> EngineAccess.register(facade -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already registered");
    }
}
