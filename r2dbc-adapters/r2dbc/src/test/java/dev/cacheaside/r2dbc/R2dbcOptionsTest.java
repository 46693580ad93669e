package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class R2dbcOptionsTest {

    @Test
    void defaults() {
        R2dbcOptions o = R2dbcOptions.create();
        assertThat(o.poolMaxSize()).isEqualTo(R2dbcOptions.DEFAULT_POOL_MAX_SIZE).isEqualTo(10);
        assertThat(o.acquireTimeout()).isEqualTo(R2dbcOptions.DEFAULT_ACQUIRE_TIMEOUT);
        assertThat(o.connectTimeout()).isEqualTo(R2dbcOptions.DEFAULT_CONNECT_TIMEOUT);
        assertThat(o.statementTimeout()).isEqualTo(R2dbcOptions.DEFAULT_STATEMENT_TIMEOUT);
        assertThat(o.placeholderStyle()).isEqualTo(R2dbcOptions.PlaceholderStyle.AUTO);
    }

    @Test
    void mutateKeepsOtherValues() {
        R2dbcOptions o = R2dbcOptions.builder().poolMaxSize(3).statementTimeout(Duration.ofMillis(250)).build();
        R2dbcOptions m = o.mutate().poolMaxSize(4).build();
        assertThat(m.poolMaxSize()).isEqualTo(4);
        assertThat(m.statementTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.mutate().build()).isEqualTo(o).hasSameHashCodeAs(o);
    }

    @Test
    void buildRejectsInvalidValuesNamingSettingAndValue() {
        assertThatIllegalArgumentException().isThrownBy(() -> R2dbcOptions.builder().poolMaxSize(0).build())
                .withMessageContaining("poolMaxSize=0");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> R2dbcOptions.builder().acquireTimeout(Duration.ZERO).build())
                .withMessageContaining("acquireTimeout=PT0S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> R2dbcOptions.builder().connectTimeout(Duration.ofSeconds(-1)).build())
                .withMessageContaining("connectTimeout=PT-1S");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> R2dbcOptions.builder().statementTimeout(null).build())
                .withMessageContaining("statementTimeout=null");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> R2dbcOptions.builder().placeholderStyle(null).build())
                .withMessageContaining("placeholderStyle=null");
    }
}
