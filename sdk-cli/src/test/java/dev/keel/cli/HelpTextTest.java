package dev.keel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Picocli formats every description with {@link String#format}: a lone {@code %} (as in "30%") makes it warn on
 * standard error and show the raw text, with {@code %n} left unreplaced, in {@code keel <command> --help}.
 */
class HelpTextTest {

    @Test
    void everyCommandsHelpShouldRenderWithoutAPicocliWarning() {
        PrintStream original = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        StringBuilder help = new StringBuilder();
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            render(new CommandLine(new KeelCli()), help);
        } finally {
            System.setErr(original);
        }
        assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("WARN");
        assertThat(help).contains("joins at 30%.").doesNotContain("%n");
    }

    private static void render(CommandLine command, StringBuilder help) {
        help.append(command.getUsageMessage());
        command.getSubcommands().values().forEach(sub -> render(sub, help));
    }
}
