import { Model, type RelationMappings } from 'objection';
import type { AccountSubtype, AccountType, IsoDate, JournalSource } from './types.js';

/**
 * Objection models for reading the ledger as a graph (a journal with its postings and their
 * accounts). Writes go through journal-store.ts in bulk; the database enforces the rules.
 * Properties keep the column names (snake_case): one vocabulary from SQL to model.
 */
export class AccountModel extends Model {
  static override tableName = 'accounts';
  id!: string;
  entity_id!: string;
  code!: string;
  name!: string;
  type!: AccountType;
  subtype!: AccountSubtype;
  role!: string | null;
  currency!: string;
  balance_minor!: bigint;
}

export class PostingModel extends Model {
  static override tableName = 'postings';
  id!: bigint;
  journal_id!: string;
  account_id!: string;
  amount_minor!: bigint;
  currency!: string;
  memo!: string | null;
  account?: AccountModel;

  static override get relationMappings(): RelationMappings {
    return {
      account: { relation: Model.BelongsToOneRelation, modelClass: AccountModel, join: { from: 'postings.account_id', to: 'accounts.id' } },
    };
  }
}

export class JournalModel extends Model {
  static override tableName = 'journals';
  id!: string;
  entity_id!: string;
  date!: IsoDate;
  memo!: string;
  payee!: string | null;
  source!: JournalSource;
  reverses_journal_id!: string | null;
  inter_entity_transfer_id!: string | null;
  created_at!: Date;
  postings?: PostingModel[];
  reversedBy?: JournalModel | null;

  static override get relationMappings(): RelationMappings {
    return {
      postings: { relation: Model.HasManyRelation, modelClass: PostingModel, join: { from: 'journals.id', to: 'postings.journal_id' } },
      reversedBy: { relation: Model.HasOneRelation, modelClass: JournalModel, join: { from: 'journals.id', to: 'journals.reverses_journal_id' } },
    };
  }
}
