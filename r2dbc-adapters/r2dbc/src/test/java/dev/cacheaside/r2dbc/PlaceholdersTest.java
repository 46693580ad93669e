package dev.cacheaside.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PlaceholdersTest {

    private static String dollar(String sql) {
        return Placeholders.dollarNumbered(sql).sql;
    }

    @Test
    void numbersMarkersInOrder() {
        Placeholders.Translated t = Placeholders.dollarNumbered("SELECT * FROM t WHERE a = ? AND b IN (?, ?)");
        assertThat(t.sql).isEqualTo("SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");
        assertThat(t.count).isEqualTo(3);
    }

    @Test
    void leavesSqlWithoutMarkersUntouched() {
        String sql = "SELECT 1";
        assertThat(Placeholders.dollarNumbered(sql).sql).isSameAs(sql);
        assertThat(Placeholders.dollarNumbered(sql).count).isZero();
    }

    @Test
    void questionMarksInQuotesAndCommentsAreNotMarkers() {
        assertThat(dollar("SELECT '?', 'it''s ?', \"col?\" FROM t WHERE a = ?"))
                .isEqualTo("SELECT '?', 'it''s ?', \"col?\" FROM t WHERE a = $1");
        assertThat(dollar("SELECT ? -- why?\n, /* what? */ ?"))
                .isEqualTo("SELECT $1 -- why?\n, /* what? */ $2");
        assertThat(dollar("SELECT $$ a ? b $$, $q$ ? $q$, ?"))
                .isEqualTo("SELECT $$ a ? b $$, $q$ ? $q$, $1");
        assertThat(dollar("SELECT E'\\'?', ?")).isEqualTo("SELECT E'\\'?', $1");
    }

    @Test
    void doubledQuestionMarkIsALiteralOne() {
        assertThat(dollar("SELECT j ?? 'key' FROM t WHERE id = ?"))
                .isEqualTo("SELECT j ? 'key' FROM t WHERE id = $1");
    }

    @Test
    void questionMarkStyleCountsButKeepsSql() {
        String sql = "SELECT '?', `a?`, ? # c?\n, ?";
        Placeholders.Translated t = Placeholders.questionMarks(sql, SqlScript.Syntax.MYSQL);
        assertThat(t.sql).isSameAs(sql);
        assertThat(t.count).isEqualTo(2);
        assertThat(Placeholders.questionMarks("SELECT 'it\\'s ?', ?", SqlScript.Syntax.MYSQL).count)
                .as("backslash escape inside a MySQL string").isEqualTo(1);
    }

    @Test
    void mySqlDashDashIsACommentOnlyBeforeWhiteSpace() {
        // as the server (and core's read check) reads it: "--?" is minus, minus, a marker
        assertThat(Placeholders.questionMarks("SELECT ? --?\n", SqlScript.Syntax.MYSQL).count).isEqualTo(2);
        assertThat(Placeholders.questionMarks("SELECT ? -- ?\n", SqlScript.Syntax.MYSQL).count).isEqualTo(1);
        assertThat(Placeholders.questionMarks("SELECT ? --?\n", SqlScript.Syntax.STANDARD).count).isEqualTo(1);
    }
}
