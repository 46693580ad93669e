package dev.cacheaside.r2dbc;

import dev.cacheaside.env.Settings;
import java.util.List;
import java.util.Map;

/** The read guard fuzzed against in-memory H2 (no read-only session: the guard alone). */
final class H2ReadGuardFuzzIT extends AbstractReadGuardFuzz {
    @Override
    Settings settings() {
        return Settings.of(Map.of("DB_ENGINE", "h2", "DB_NAME", "cacheaside_guard_fuzz"));
    }

    @Override
    List<String> createCanaries(String s) {
        return AbstractReadGuardFuzz.tables(s, "INT");
    }

    @Override
    List<String> dropCanaries(String s) {
        return List.of("DROP TABLE IF EXISTS guard_canary_" + s, "DROP TABLE IF EXISTS guard_victim_" + s,
                "DROP TABLE IF EXISTS guard_copy_" + s, "DROP TABLE IF EXISTS guard_made_" + s,
                "DROP SEQUENCE IF EXISTS guard_seq_" + s);
    }

    @Override
    String sequenceState(String s) {
        return "SELECT BASE_VALUE FROM INFORMATION_SCHEMA.SEQUENCES WHERE SEQUENCE_NAME = 'guard_seq_" + s + "'";
    }

    @Override
    String lockProbe(String s) {
        return "UPDATE guard_canary_" + s + " SET v = v";
    }

    @Override
    String name() {
        return "h2";
    }
}
