/**
 * bind/platform-functions.ts — functions other Microsoft platforms define that Vigil does not ship,
 * so that calling one gets an unknown-function error that says what it is instead of a bare one.
 *
 * - Microsoft Sentinel's ASIM parsers (_Im_Dns, imNetworkSession, _ASim_WebSession…): KQL functions
 *   Sentinel deploys into its workspaces over dozens of vendor tables (a stand-in would return
 *   made-up normalisations).
 * - Microsoft Defender XDR advanced hunting's functions (FileProfile, DeviceFromIP, SeenBy,
 *   AssignedIPAddresses): they exist only in the Defender portal, not in Log Analytics workspaces.
 */
const ASIM_PARSER = /^(_Im_|_ASim_|im|ASim|vim)(Authentication|AuditEvent|Dhcp|Dns|FileEvent|NetworkSession|ProcessCreate|ProcessEvent|ProcessTerminate|Registry|UserManagement|WebSession)(_[A-Za-z0-9]+)*$/;

const DEFENDER_FUNCTIONS = new Set(['FileProfile', 'DeviceFromIP', 'SeenBy', 'AssignedIPAddresses']);

/** The unknown-function message for a name another platform defines, or undefined for any other name. */
export function platformFunctionRefusal(name: string): string | undefined {
  if (ASIM_PARSER.test(name)) {
    return `Unknown function: '${name}'. It is a Microsoft Sentinel ASIM parser, a function Sentinel deploys in its workspaces, which Vigil does not ship: query the normalized ASim* tables (ASimNetworkSessionLogs, ASimDnsActivityLogs, …) or the source tables instead`;
  }
  if (DEFENDER_FUNCTIONS.has(name)) {
    return `Unknown function: '${name}'. It is a Microsoft Defender XDR advanced hunting function, which exists only in the Defender portal, not in Log Analytics workspaces (nor in Vigil)`;
  }
  return undefined;
}
