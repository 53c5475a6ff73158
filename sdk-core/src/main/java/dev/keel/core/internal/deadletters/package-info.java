/** Reading, re-driving and replaying: dead letters of a group and rewinds of its offsets. Not API. */
package dev.keel.core.internal.deadletters;
