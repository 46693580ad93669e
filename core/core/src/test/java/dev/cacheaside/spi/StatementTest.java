package dev.cacheaside.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatementTest {

    @Test
    void keepsTheTextAndACopyOfTheParametersNullsIncluded() {
        List<Object> parameters = new ArrayList<>(Arrays.asList(1, null, "x"));
        Statement statement = Statement.of("UPDATE t SET a = ?, b = ? WHERE c = ?", parameters);
        parameters.set(0, 2);
        assertThat(statement.sql()).isEqualTo("UPDATE t SET a = ?, b = ? WHERE c = ?");
        assertThat(statement.parameters()).as("a copy, unchanged by the caller's list").containsExactly(1, null, "x");
        assertThatThrownBy(() -> statement.parameters().add(4)).as("the parameters are unmodifiable")
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(Statement.of("DELETE FROM t WHERE a = ?", 1, null).parameters()).containsExactly(1, null);
        assertThat(Statement.of("DELETE FROM t").parameters()).isEmpty();
    }

    @Test
    void refusesANullOrBlankTextAndNullParameters() {
        assertThatNullPointerException().isThrownBy(() -> Statement.of(null, List.of())).withMessage("sql");
        assertThatIllegalArgumentException().isThrownBy(() -> Statement.of(" \n", List.of()))
                .withMessage("sql must not be blank");
        assertThatNullPointerException().isThrownBy(() -> Statement.of("DELETE FROM t", (List<?>) null))
                .withMessage("parameters");
        assertThatNullPointerException().isThrownBy(() -> Statement.of("DELETE FROM t", (Object[]) null))
                .withMessage("parameters");
    }

    @Test
    void equalByTextAndParametersAndPrintedWithoutValues() {
        assertThat(Statement.of("DELETE FROM t WHERE a = ?", List.of(1)))
                .isEqualTo(Statement.of("DELETE FROM t WHERE a = ?", 1))
                .hasSameHashCodeAs(Statement.of("DELETE FROM t WHERE a = ?", 1))
                .isNotEqualTo(Statement.of("DELETE FROM t WHERE a = ?", 2))
                .isNotEqualTo(Statement.of("DELETE FROM u WHERE a = ?", 1));
        assertThat(Statement.of("UPDATE t SET secret = ?", "hunter2").toString())
                .isEqualTo("Statement[UPDATE t SET secret = ?, 1 parameters]").doesNotContain("hunter2");
    }
}
