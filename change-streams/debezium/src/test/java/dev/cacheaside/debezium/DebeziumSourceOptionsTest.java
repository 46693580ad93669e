package dev.cacheaside.debezium;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cacheaside.config.ConfigurationException;
import dev.cacheaside.env.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DebeziumSourceOptionsTest {

    private DebeziumSourceOptions.Builder valid() {
        return DebeziumSourceOptions.builder().database(DebeziumSourceOptions.Database.POSTGRESQL)
                .user("cdc").databaseName("shop");
    }

    @Test
    void defaultsAndARedactedPassword() {
        DebeziumSourceOptions o = valid().password("s3cret").build();
        assertThat(o.port()).isEqualTo(5432);
        assertThat(o.slot()).isEqualTo(DebeziumSourceOptions.DEFAULT_SLOT);
        assertThat(o.dropSlotOnClose()).isFalse();
        assertThat(o.toString()).contains("REDACTED").doesNotContain("s3cret");
        assertThat(valid().database(DebeziumSourceOptions.Database.MARIADB).build().port()).isEqualTo(3306);
    }

    @Test
    void badValuesAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> valid().slot("bad slot; drop").build()).hasMessageContaining("slot")
                .hasMessageContaining("bad slot; drop");
        assertThatThrownBy(() -> valid().tables(List.of("public.t")).build()).hasMessageContaining("without schema");
        assertThatThrownBy(() -> valid().serverId(0).build()).hasMessageContaining("serverId");
        assertThatThrownBy(() -> valid().databaseName(null).build()).hasMessageContaining("databaseName");
        assertThatThrownBy(() -> DebeziumSourceOptions.builder().user("u").databaseName("d").build())
                .hasMessageContaining("database must be set");
    }

    @Test
    void environmentIsOffByDefaultAndMapsEveryVariable() {
        assertThat(ChangeStreamSettings.sourceOptions(Settings.of(Map.of("DB_ENGINE", "postgresql")))).isEmpty();
        DebeziumSourceOptions o = ChangeStreamSettings.sourceOptions(Settings.of(Map.of("CACHE_CDC", "true",
                "DB_ENGINE", "mariadb", "DB_HOST", "db", "DB_NAME", "shop", "CACHE_CDC_SERVER_ID", "77",
                "CACHE_CDC_TABLES", "orders, items", "CACHE_CDC_NAME", "svc"))).orElseThrow();
        assertThat(o.database()).isEqualTo(DebeziumSourceOptions.Database.MARIADB);
        assertThat(o.host()).isEqualTo("db");
        assertThat(o.port()).isEqualTo(3306);
        assertThat(o.user()).isEqualTo("root");
        assertThat(o.serverId()).isEqualTo(77);
        assertThat(o.tables()).containsExactly("orders", "items");
        assertThat(o.name()).isEqualTo("svc");
        assertThatThrownBy(() -> ChangeStreamSettings.sourceOptions(Settings.of(Map.of("CACHE_CDC", "true",
                "DB_ENGINE", "h2")))).isInstanceOf(ConfigurationException.class).hasMessageContaining("DB_ENGINE");
        assertThatThrownBy(() -> ChangeStreamSettings.sourceOptions(Settings.of(Map.of("CACHE_CDC", "true",
                "DB_ENGINE", "postgresql", "CACHE_CDC_SLOT", "x-y")))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("slot");
    }

    @Test
    void theMariaDbDriverRewritesOnlyTheStatusStatement() {
        assertThat(MariaDbCompatDriver.rewrite("SHOW BINARY LOG STATUS")).isEqualTo("SHOW MASTER STATUS");
        assertThat(MariaDbCompatDriver.rewrite(" show binary log status ")).isEqualTo("SHOW MASTER STATUS");
        assertThat(MariaDbCompatDriver.rewrite("SHOW BINARY LOGS")).isEqualTo("SHOW BINARY LOGS");
        assertThat(MariaDbCompatDriver.rewrite("SELECT 'SHOW BINARY LOG STATUS'")).isEqualTo("SELECT 'SHOW BINARY LOG STATUS'");
    }
}
