package dev.keel.testbrokers.internal.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The users of a secured broker whose JAAS properties login module reads a users file ({@code user=password}) and a
 * roles file ({@code role=user,user}) and reloads them when they change (ActiveMQ Artemis and ActiveMQ Classic alike).
 * Each change rewrites both files whole, each in one rename, so the broker never reads half of one.
 */
final class PropertiesUsers {
    private final Path usersFile;
    private final Path rolesFile;
    private final Map<String, User> users = new LinkedHashMap<>();

    PropertiesUsers(Path usersFile, Path rolesFile) {
        this.usersFile = usersFile;
        this.rolesFile = rolesFile;
    }

    /** Adds a user, or replaces its password and roles. */
    synchronized void put(String user, String password, List<String> roles) {
        users.put(user, new User(password, List.copyOf(roles)));
        write();
    }

    synchronized void remove(String user) {
        users.remove(user);
        write();
    }

    private void write() {
        StringBuilder passwords = new StringBuilder();
        Map<String, List<String>> members = new TreeMap<>();
        users.forEach((name, user) -> {
            passwords.append(name).append('=').append(user.password()).append('\n');
            user.roles().forEach(role -> members.computeIfAbsent(role, r -> new ArrayList<>()).add(name));
        });
        StringBuilder roles = new StringBuilder();
        members.forEach((role, names) -> roles.append(role).append('=').append(String.join(",", names)).append('\n'));
        try {
            Files.createDirectories(usersFile.getParent());
            replace(rolesFile, roles.toString());
            replace(usersFile, passwords.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the users of a secured broker to " + usersFile, e);
        }
    }

    private static void replace(Path file, String content) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content, StandardCharsets.UTF_8);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private record User(String password, List<String> roles) {
    }
}
