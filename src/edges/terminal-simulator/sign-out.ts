import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { exchangeWithHost } from './client.js';
import { nextTrace, OPERATOR_CODE, packPlain, traceField } from './messages.js';
import { responseMeaning } from './receipt.js';
import { checkReply } from './reply-check.js';
import { saveSimulatorState, type SimulatorState } from './state.js';
import { headerFor, hostAddressOf, sendPendingReversal, timeoutOf, withTerminal, type SimulatorContext } from './terminal.js';

/** 60.3 of a sign-out (0820). */
export const SIGN_OUT_NETWORK_CODE = '002';

export interface SignOutResult {
  readonly terminalId: string;
  readonly trace: string;
  readonly responseCode: string;
  readonly responseMeaning: string;
  readonly signedOut: boolean;
}

/**
 * 0820 sign-out (60.3 002, no MAC: the host answers it as it answers a sign-in). A pending
 * reversal goes first. Answered 00, the terminal forgets its working keys: the next transaction
 * needs a sign-in, as the host's do.
 */
export async function signOutTerminal(context: SimulatorContext): Promise<SignOutResult> {
  return withTerminal(context, async (first) => {
    const loaded = first.pendingReversal === undefined ? first : await sendPendingReversal(context, first);
    const trace = nextTrace(loaded.lastTrace);
    let state: SimulatorState = { ...loaded, lastTrace: trace };
    saveSimulatorState(context.dataDir, state);
    const request = new IsoMessage(unionPayPosSpec, '0820', {
      11: traceField(trace),
      41: state.terminalId,
      42: state.merchantId,
      60: { typeCode: '00', batchNumber: state.batchNumber, networkCode: SIGN_OUT_NETWORK_CODE },
      63: { code: OPERATOR_CODE },
    });
    const replyBytes = await exchangeWithHost(hostAddressOf(state, context), packPlain(request), { header: headerFor(false), ...timeoutOf(context) });
    const reply = checkReply(request, replyBytes, { macVariant: state.macVariant, macRequiredForApproval: false });
    const responseCode = reply.get(39) ?? '';
    const signedOut = responseCode === '00';
    if (signedOut) {
      const copy: { -readonly [K in keyof SimulatorState]?: SimulatorState[K] } = { ...state };
      delete copy.workingKeys;
      state = copy as SimulatorState;
      saveSimulatorState(context.dataDir, state);
    }
    return { terminalId: state.terminalId, trace: traceField(trace), responseCode, responseMeaning: responseMeaning(responseCode), signedOut };
  });
}
