package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import java.util.List;

/** The read guard fuzzed against PostgreSQL. */
final class PostgresqlReadGuardFuzzIT extends AbstractReadGuardFuzz {
    @Override
    Settings settings() {
        return Settings.of(AbstractDatabaseIT.env("POSTGRES", "postgresql", 5432, "postgres", "test"));
    }

    @Override
    List<String> createCanaries(String s) {
        List<String> ddl = AbstractReadGuardFuzz.tables(s, "INT");
        ddl.add("CREATE FUNCTION guard_fn_" + s + "() RETURNS INT LANGUAGE plpgsql AS $$ BEGIN "
                + "UPDATE guard_canary_" + s + " SET v = v + 100; RETURN 1; END $$");
        return ddl;
    }

    @Override
    List<String> dropCanaries(String s) {
        return List.of("DROP TABLE IF EXISTS guard_canary_" + s, "DROP TABLE IF EXISTS guard_victim_" + s,
                "DROP TABLE IF EXISTS guard_copy_" + s, "DROP TABLE IF EXISTS guard_made_" + s,
                "DROP SEQUENCE IF EXISTS guard_seq_" + s, "DROP FUNCTION IF EXISTS guard_fn_" + s + "()");
    }

    @Override
    String sequenceState(String s) {
        return "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM guard_seq_" + s;
    }

    @Override
    String sessionLocks(String s) {
        return "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = " + lockNumber(s);
    }

    @Override
    String lockProbe(String s) {
        return "UPDATE guard_canary_" + s + " SET v = v";
    }

    @Override
    String name() {
        return "postgresql";
    }
}
