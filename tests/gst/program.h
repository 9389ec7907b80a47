/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A program the tests start and talk to: its standard output read as it comes, a signal sent,
 * its exit awaited (neuralisp-process's Ctrl-C, neuralisp-rtsp). */
#pragma once

#include <gst/check/gstcheck.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

static inline bool
contains (const std::string & text, const std::string & part)
{
  return text.find (part) != std::string::npos;
}

struct Child {
  GPid pid = 0;
  int out_fd = -1;
  std::string out;              /* its standard output so far */
};

static inline Child
start_child (const char *program, const std::vector < std::string > &args)
{
  std::vector < gchar * >argv = { (gchar *) program };
  for (const std::string & a : args)
    argv.push_back ((gchar *) a.c_str ());
  argv.push_back (NULL);
  Child child;
  GError *error = NULL;
  fail_unless (g_spawn_async_with_pipes (NULL, argv.data (), NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
          &child.pid, NULL, &child.out_fd, NULL, &error), "%s", error ? error->message : "");
  return child;
}

/* Reads the child's output until it holds `part`; false when the child ended first. */
static inline bool
read_until (Child * child, const std::string & part)
{
  char chunk[256];
  while (!contains (child->out, part)) {
    const ssize_t n = read (child->out_fd, chunk, sizeof chunk);
    if (n <= 0)
      return false;
    child->out.append (chunk, n);
  }
  return true;
}

/* Waits for the child's exit, reading the rest of its output: its exit status, -1 if a signal
 * ended it. */
static inline int
wait_child (Child * child)
{
  char chunk[256];
  ssize_t n;
  while ((n = read (child->out_fd, chunk, sizeof chunk)) > 0)
    child->out.append (chunk, n);
  int status = 0;
  fail_unless (waitpid (child->pid, &status, 0) == child->pid);
  g_spawn_close_pid (child->pid);
  close (child->out_fd);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}
