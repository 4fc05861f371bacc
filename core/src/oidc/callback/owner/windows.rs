//! Windows: the TCP table names the process that owns a connection, and that process's
//! token its user.

use std::ptr::null_mut;

use windows_sys::Win32::Foundation::{CloseHandle, ERROR_INSUFFICIENT_BUFFER, HANDLE};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GetExtendedTcpTable, MIB_TCPROW_OWNER_PID, TCP_TABLE_OWNER_PID_CONNECTIONS,
};
use windows_sys::Win32::Networking::WinSock::AF_INET;
use windows_sys::Win32::Security::{
    EqualSid, GetTokenInformation, TokenUser, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

use super::{is_row, Owner, SocketAddrV4};

pub(super) fn owner(listener: SocketAddrV4, peer: SocketAddrV4) -> Owner {
    let Some(rows) = connections() else {
        tracing::warn!(
            "GetExtendedTcpTable failed, so the owner of a connection to the sign-in's \
             listener cannot be established; it is refused"
        );
        return Owner::Unreadable;
    };
    let Some(pid) = rows
        .iter()
        .find(|row| {
            let fields = [
                row.dwLocalAddr,
                row.dwLocalPort,
                row.dwRemoteAddr,
                row.dwRemotePort,
            ];
            is_row(fields, peer, listener)
        })
        .map(|row| row.dwOwningPid)
    else {
        return Owner::NotFound;
    };
    if pid == std::process::id() {
        return Owner::ThisUser;
    }
    // SAFETY: OpenProcess takes any pid; a null handle is its failure.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        // A process this user may not query belongs to someone else.
        return Owner::AnotherUser;
    }
    let process = Handle(process);
    // SAFETY: the pseudo-handle of the current process needs no closing.
    let (Some(theirs), Some(mine)) = (
        token_user(process.0),
        token_user(unsafe { GetCurrentProcess() }),
    ) else {
        return Owner::AnotherUser;
    };
    // SAFETY: both point at SIDs inside TOKEN_USER buffers that live until the end of
    // this function.
    let same = unsafe { EqualSid(theirs.sid(), mine.sid()) } != 0;
    if same {
        Owner::ThisUser
    } else {
        Owner::AnotherUser
    }
}

/// Every IPv4 TCP connection with the process that owns it.
fn connections() -> Option<Vec<MIB_TCPROW_OWNER_PID>> {
    let mut size = 0u32;
    // The table can grow between the call that sizes it and the one that fills it.
    for _ in 0..4 {
        // u64 words: the table is read in place, so the buffer is aligned for it.
        let mut buffer = vec![0u64; (size as usize).div_ceil(8).max(1)];
        // SAFETY: `buffer` holds `size` bytes (or more); the call writes at most that
        // many and says how many it needs when they are too few.
        let status = unsafe {
            GetExtendedTcpTable(
                buffer.as_mut_ptr().cast(),
                &mut size,
                0,
                u32::from(AF_INET),
                TCP_TABLE_OWNER_PID_CONNECTIONS,
                0,
            )
        };
        match status {
            0 => {
                let bytes = buffer.len() * 8;
                let entries = *buffer.first()? as u32 as usize;
                let row = std::mem::size_of::<MIB_TCPROW_OWNER_PID>();
                // MIB_TCPTABLE_OWNER_PID: a u32 count, then the rows, 4-byte aligned.
                if 4 + entries * row > bytes {
                    return None;
                }
                // SAFETY: the rows start 4 bytes in, and `entries` of them fit in the
                // buffer (checked above); MIB_TCPROW_OWNER_PID is six u32s, 4-aligned.
                let rows = unsafe {
                    std::slice::from_raw_parts(
                        buffer
                            .as_ptr()
                            .cast::<u8>()
                            .add(4)
                            .cast::<MIB_TCPROW_OWNER_PID>(),
                        entries,
                    )
                };
                return Some(rows.to_vec());
            }
            ERROR_INSUFFICIENT_BUFFER => continue,
            _ => return None,
        }
    }
    None
}

/// A handle closed when dropped.
struct Handle(HANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by this module and is closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// A process token's TOKEN_USER, in a buffer aligned for it.
struct TokenUserBuffer(Vec<u64>);

impl TokenUserBuffer {
    fn sid(&self) -> *mut core::ffi::c_void {
        // SAFETY: the buffer holds a TOKEN_USER written by GetTokenInformation.
        unsafe { (*self.0.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

/// The user that `process` runs as.
fn token_user(process: HANDLE) -> Option<TokenUserBuffer> {
    let mut token: HANDLE = null_mut();
    // SAFETY: `token` receives a handle that `Handle` closes.
    if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
        return None;
    }
    let token = Handle(token);
    let mut size = 0u32;
    // SAFETY: a null buffer of size 0 asks only for the size needed.
    unsafe { GetTokenInformation(token.0, TokenUser, null_mut(), 0, &mut size) };
    if size == 0 {
        return None;
    }
    let mut buffer = vec![0u64; (size as usize).div_ceil(8)];
    // SAFETY: `buffer` holds `size` bytes, aligned for TOKEN_USER.
    let filled = unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            size,
            &mut size,
        )
    };
    (filled != 0).then_some(TokenUserBuffer(buffer))
}
