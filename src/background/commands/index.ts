/** Every popup command's handler, by command type (the compiler checks that none is missing). */
import type { CommandType, Params, PopupCommand, Result } from '../../shared/popup-commands';
import { accountCommands } from './accounts';
import { activityCommands } from './activity';
import { approvalCommands } from './approvals';
import { backupCommands } from './backups';
import { ceremonyCommands } from './ceremonies';
import { cosigningCommands } from './cosigning';
import type { CommandContext, Handler, Handlers } from './context';
import { networkCommands } from './networks';
import { sendCommands } from './send';
import { settingsCommands } from './settings';
import { solanaCommands } from './solana';
import { vaultCommands } from './vaults';

export type { CommandContext } from './context';

const HANDLERS: Handlers<CommandType> = {
  ...vaultCommands,
  ...accountCommands,
  ...backupCommands,
  ...ceremonyCommands,
  ...cosigningCommands,
  ...approvalCommands,
  ...sendCommands,
  ...activityCommands,
  ...networkCommands,
  ...settingsCommands,
  ...solanaCommands,
};

/** Runs the handler of `cmd` (already parsed) and returns its result. */
export function handleCommand<C extends PopupCommand>(ctx: CommandContext, cmd: C): Promise<Result<C['type']>> {
  const { type, ...params } = cmd;
  return (HANDLERS[type] as Handler<C['type']>)(ctx, params as Params<C['type']>);
}
