/* Stand-in for api-ms-win-core-synch-l1-2-0.dll, which wine 8 lacks as a DLL of its own: Rust's std parks
 * threads with WaitOnAddress / WakeByAddress*. Forwards to ntdll's Rtl* versions (wine has them), or, if
 * they are missing, polls the address (spurious wake-ups are allowed by the API). test:cross only. */
#define _WIN32_WINNT 0x0601 /* keep synchapi.h's own declarations of these out */
#include <windows.h>
#include <string.h>

typedef LONG(NTAPI *WaitFn)(const volatile void *, const void *, SIZE_T, const LARGE_INTEGER *);
typedef void(NTAPI *WakeFn)(const void *);
static WaitFn rtl_wait;
static WakeFn rtl_wake_single, rtl_wake_all;
static volatile LONG resolved;

static void resolve(void) {
  if (resolved) return;
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  rtl_wait = (WaitFn)(void *)GetProcAddress(ntdll, "RtlWaitOnAddress");
  rtl_wake_single = (WakeFn)(void *)GetProcAddress(ntdll, "RtlWakeAddressSingle");
  rtl_wake_all = (WakeFn)(void *)GetProcAddress(ntdll, "RtlWakeAddressAll");
  InterlockedExchange(&resolved, 1);
}

__declspec(dllexport) BOOL WINAPI WaitOnAddress(volatile VOID *address, PVOID compare, SIZE_T size, DWORD ms) {
  resolve();
  if (rtl_wait && rtl_wake_single && rtl_wake_all) {
    LARGE_INTEGER timeout;
    timeout.QuadPart = -(LONGLONG)ms * 10000;
    LONG status = rtl_wait(address, compare, size, ms == INFINITE ? NULL : &timeout);
    if (status == 0x102 /* STATUS_TIMEOUT */) {
      SetLastError(ERROR_TIMEOUT);
      return FALSE;
    }
    return TRUE;
  }
  ULONGLONG deadline = GetTickCount64() + ms;
  while (memcmp((const void *)address, compare, size) == 0) {
    if (ms != INFINITE && GetTickCount64() >= deadline) {
      SetLastError(ERROR_TIMEOUT);
      return FALSE;
    }
    Sleep(1);
  }
  return TRUE;
}

__declspec(dllexport) void WINAPI WakeByAddressSingle(PVOID address) {
  resolve();
  if (rtl_wake_single) rtl_wake_single(address);
}

__declspec(dllexport) void WINAPI WakeByAddressAll(PVOID address) {
  resolve();
  if (rtl_wake_all) rtl_wake_all(address);
}
