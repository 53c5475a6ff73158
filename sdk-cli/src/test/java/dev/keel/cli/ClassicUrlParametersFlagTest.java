package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review: {@code --activemq-url} with a password under a look-alike parameter name got through; the Classic client
 * refused the URL quoting the value ({@code keel: internal error: ... Unknown parameters=[{pasword=...}]}, exit 3). It
 * is a bad flag: exit 2, naming the parameter and not its value. No broker needed: the URL is refused before any
 * connection.
 */
class ClassicUrlParametersFlagTest {

    @Test
    void aJmsParameterTheClientDoesNotAcceptShouldBeABadFlagNamingItWithoutItsValue() {
        for (List<String> urlNameSecret : List.of(
                List.of("tcp://127.0.0.1:1?jms.userName=orders&jms.pasword=Hunter2secret", "jms.pasword",
                        "Hunter2secret"),
                List.of("tcp://127.0.0.1:1?jms.pa%C5%BFsword=s3cr3tC4", "jms.pa", "s3cr3tC4"))) {
            CliRun run = CliRun.of("verify", "--broker", "activemq", "--activemq-url", urlNameSecret.get(0));

            assertThat(run.exitCode()).as(urlNameSecret.get(0)).isEqualTo(ExitCodes.USAGE_OR_ENVIRONMENT);
            assertThat(run.err()).contains("--activemq-url").contains(urlNameSecret.get(1))
                    .contains("does not accept").doesNotContain("internal error");
            assertThat(run.out() + run.err()).doesNotContain(urlNameSecret.get(2));
        }
    }
}
