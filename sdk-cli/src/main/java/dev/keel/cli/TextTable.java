package dev.keel.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table with a header row and columns padded to their widest cell. */
public final class TextTable {

    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] rightAligned;

    /** {@code header} cells; a header ending with {@code >} is right-aligned (the marker is dropped). */
    public TextTable(String... header) {
        rightAligned = new boolean[header.length];
        String[] cells = new String[header.length];
        for (int i = 0; i < header.length; i++) {
            rightAligned[i] = header[i].endsWith(">");
            cells[i] = rightAligned[i] ? header[i].substring(0, header[i].length() - 1) : header[i];
        }
        rows.add(cells);
    }

    public TextTable row(Object... cells) {
        String[] r = new String[rightAligned.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(r);
        return this;
    }

    public void print(PrintWriter out, String indent) {
        int[] width = new int[rightAligned.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (int n = 0; n < rows.size(); n++) {
            String[] r = rows.get(n);
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(rightAligned[i] ? pad + r[i] : r[i] + (i < r.length - 1 ? pad : ""));
                if (i < r.length - 1) {
                    line.append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
            if (n == 0) {
                int total = 0;
                for (int w : width) {
                    total += w + 2;
                }
                out.println(indent + "-".repeat(Math.max(0, total - 2)));
            }
        }
    }
}
