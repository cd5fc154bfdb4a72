/* Stand-in for taskkill.exe under wine 8, whose taskkill has no /T: the runner stops a child's process
 * tree with `taskkill /T [/F] /PID <pid>`, as on Windows. Like Windows' own, without /F it cannot end a
 * console process that has no window (it says so and exits 1); with /F it terminates the process and all
 * its descendants. test:cross installs it into its wine prefix only; never shipped. */
#include <windows.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

static int kill_tree(DWORD pid, PROCESSENTRY32W *procs, int n, int depth) {
  int failed = 0;
  if (depth > 64) return 1;
  for (int i = 0; i < n; i++) {
    if (procs[i].th32ParentProcessID == pid && procs[i].th32ProcessID != pid) failed |= kill_tree(procs[i].th32ProcessID, procs, n, depth + 1);
  }
  HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, pid);
  if (!h || !TerminateProcess(h, 1)) {
    fprintf(stderr, "ERROR: The process with PID %lu could not be terminated.\n", pid);
    failed = 1;
  } else {
    printf("SUCCESS: The process with PID %lu has been terminated.\n", pid);
  }
  if (h) CloseHandle(h);
  return failed;
}

int wmain(int argc, wchar_t **argv) {
  int force = 0, tree = 0, npids = 0;
  DWORD pids[32];
  for (int i = 1; i < argc; i++) {
    if (!_wcsicmp(argv[i], L"/F")) force = 1;
    else if (!_wcsicmp(argv[i], L"/T")) tree = 1;
    else if (!_wcsicmp(argv[i], L"/PID") && i + 1 < argc && npids < 32) pids[npids++] = wcstoul(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "ERROR: Invalid argument/option - '%ls'.\n", argv[i]);
      return 1;
    }
  }
  if (npids == 0) {
    fprintf(stderr, "ERROR: no /PID given.\n");
    return 1;
  }
  if (!force) {
    for (int i = 0; i < npids; i++)
      fprintf(stderr, "ERROR: The process with PID %lu could not be terminated.\nReason: This process can only be terminated forcefully (with /F option).\n", pids[i]);
    return 1;
  }
  HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) return 1;
  static PROCESSENTRY32W procs[4096];
  int n = 0;
  procs[0].dwSize = sizeof(PROCESSENTRY32W);
  for (BOOL ok = Process32FirstW(snap, &procs[0]); ok && n < 4095; ok = Process32NextW(snap, &procs[n])) {
    n++;
    procs[n].dwSize = sizeof(PROCESSENTRY32W);
  }
  CloseHandle(snap);
  int failed = 0;
  for (int i = 0; i < npids; i++) {
    if (tree) failed |= kill_tree(pids[i], procs, n, 0);
    else failed |= kill_tree(pids[i], procs, 0, 0);
  }
  return failed ? 128 : 0;
}
