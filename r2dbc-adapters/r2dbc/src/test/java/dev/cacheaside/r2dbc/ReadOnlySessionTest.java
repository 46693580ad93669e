package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which statements of {@code execute} keep the read-only session, and which engines have one. */
class ReadOnlySessionTest {

    @Test
    void everyReadKeepsTheReadOnlySession() {
        for (SqlScript.Syntax syntax : SqlScript.Syntax.values()) {
            assertThat(Sessions.startsAsRead("SELECT guard_fn()", syntax)).isTrue();
            assertThat(Sessions.startsAsRead(" -- c\n ((WITH x AS (DELETE FROM t) SELECT 1))", syntax)).isTrue();
            assertThat(Sessions.startsAsRead("/* CREATE */ VALUES (1)", syntax)).isTrue();
            assertThat(Sessions.startsAsRead("something_unknown", syntax)).as("unknown stays read-only").isTrue();
            assertThat(Sessions.startsAsRead("", syntax)).isTrue();
            assertThat(Sessions.startsAsRead("CREATE TABLE t (id INT)", syntax)).isFalse();
            assertThat(Sessions.startsAsRead("  insert into t values (1)", syntax)).isFalse();
        }
        assertThat(Sessions.startsAsRead("/*! INSERT */ SELECT 1", SqlScript.Syntax.MYSQL))
                .as("executable comment: code, stays read-only").isTrue();
    }

    @Test
    void serversHaveReadOnlySessionsAndH2Not() {
        assertThat(Sessions.readOnlySessionSql(Dialect.POSTGRESQL)).contains("READ ONLY");
        assertThat(Sessions.readOnlySessionSql(Dialect.MARIADB)).isEqualTo("SET SESSION TRANSACTION READ ONLY");
        assertThat(Sessions.readOnlySessionSql(Dialect.MYSQL)).isEqualTo("SET SESSION TRANSACTION READ ONLY");
        assertThat(Sessions.readOnlySessionSql(Dialect.H2)).isNull();
    }
}
