package dev.cacheaside.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cacheaside.CacheAside;
import org.junit.jupiter.api.Test;

/** The engine logs under the facade's name, so users configure one logger for both. */
class EngineLogTest {

    @Test
    void theEngineLogsUnderTheFacadesLoggerName() {
        assertThat(EngineLog.logger().getName()).isEqualTo(CacheAside.class.getName());
    }
}
