package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import java.util.List;

/** The read guard fuzzed against MariaDB, through its own driver. */
class MariaDbReadGuardFuzzIT extends AbstractReadGuardFuzz {
    @Override
    Settings settings() {
        return Settings.of(AbstractDatabaseIT.env("MARIADB", "mariadb", 3306, "root", "test"));
    }

    @Override
    List<String> createCanaries(String s) {
        List<String> ddl = AbstractReadGuardFuzz.tables(s, "INT");
        ddl.replaceAll(d -> d.startsWith("CREATE SEQUENCE") ? d + " NOCACHE" : d); // every nextval shows
        ddl.add("CREATE FUNCTION guard_fn_" + s + "() RETURNS INT MODIFIES SQL DATA BEGIN "
                + "UPDATE guard_canary_" + s + " SET v = v + 100; RETURN 1; END");
        return ddl;
    }

    @Override
    List<String> dropCanaries(String s) {
        return List.of("DROP TABLE IF EXISTS guard_canary_" + s, "DROP TABLE IF EXISTS guard_victim_" + s,
                "DROP TABLE IF EXISTS guard_copy_" + s, "DROP TABLE IF EXISTS guard_made_" + s,
                "DROP SEQUENCE IF EXISTS guard_seq_" + s, "DROP FUNCTION IF EXISTS guard_fn_" + s);
    }

    @Override
    String sequenceState(String s) {
        return "SELECT next_not_cached_value FROM guard_seq_" + s;
    }

    @Override
    String sessionLocks(String s) {
        return "SELECT COALESCE(IS_USED_LOCK('guard_" + s + "'), 0)";
    }

    @Override
    String lockProbe(String s) {
        return "UPDATE guard_canary_" + s + " SET v = v";
    }

    @Override
    String name() {
        return "mariadb";
    }
}
