/**
 * Demo borrowers for the FBS sandbox, one per case the kiosk must handle. Card numbers and PINs
 * are listed in docs/demo.md. All people and numbers are invented.
 */
export interface SeedMaterial {
  readonly recordId: string;
  readonly materialItemNumber: string;
  readonly materialGroup: { readonly name: string; readonly description?: string };
  readonly periodical?: {
    readonly displayText: string;
    readonly volume?: string;
    readonly volumeYear?: string;
    readonly volumeNumber?: string;
  };
}

export interface SeedFee {
  /** int64 as decimal text; -1 for an expected fee. */
  readonly feeId: string;
  readonly type: string;
  readonly reasonMessage: string;
  /** Kroner as FBS would print the double, e.g. "55.5". */
  readonly amount: string;
  readonly creationDate: string;
  readonly dueDate?: string;
  readonly payableByClient: boolean;
  readonly materials: readonly SeedMaterial[];
}

export interface SeedBlock {
  readonly blockedReason: string;
  readonly blockedSince: string;
  readonly message: string;
}

export interface SeedBorrower {
  readonly patronId: string;
  /** Library card numbers, and a CPR number where the health card is used as library card. */
  readonly identifiers: readonly string[];
  readonly pin: string;
  readonly name: string;
  readonly birthday: string;
  readonly lockedOut?: boolean;
  readonly blocks?: readonly SeedBlock[];
  readonly fees: readonly SeedFee[];
}

const book = (recordId: string, item: string): SeedMaterial => ({
  recordId,
  materialItemNumber: item,
  materialGroup: { name: 'standard', description: 'Bog' },
});

export const DEMO_BORROWERS: readonly SeedBorrower[] = [
  {
    patronId: '100001',
    identifiers: ['1000000001'],
    pin: '1111',
    name: 'Ida Ingen-Gæld',
    birthday: '1985-04-12',
    fees: [],
  },
  {
    patronId: '100002',
    identifiers: ['1000000002'],
    pin: '2222',
    name: 'Frede FBS',
    birthday: '1979-09-30',
    fees: [
      {
        feeId: '5001',
        type: 'fee',
        reasonMessage: 'Overskredet lånetid',
        amount: '30',
        creationDate: '2023-02-01',
        dueDate: '2023-03-01',
        payableByClient: true,
        materials: [book('25734401', '3846990948')],
      },
      {
        feeId: '5002',
        type: 'fee',
        reasonMessage: 'Overskredet lånetid, 2. rykker',
        amount: '55.5',
        creationDate: '2023-03-15',
        payableByClient: true,
        materials: [book('29145789', '5012398745')],
      },
    ],
  },
  {
    patronId: '100003',
    identifiers: ['1000000003'],
    pin: '3333',
    name: 'Dorthe Debitor',
    birthday: '1990-01-20',
    fees: [
      {
        feeId: '6001',
        type: 'compensation',
        reasonMessage: 'Erstatning for bortkommet materiale',
        amount: '249.95',
        creationDate: '2025-06-02',
        dueDate: '2025-07-01',
        payableByClient: false,
        materials: [book('51234567', '5123456789')],
      },
    ],
  },
  {
    patronId: '100004',
    identifiers: ['1000000004', '0101901234'],
    pin: '4444',
    name: 'Mads Mix',
    birthday: '1990-01-01',
    fees: [
      {
        feeId: '7001',
        type: 'fee',
        reasonMessage: 'Overskredet lånetid',
        amount: '45',
        creationDate: '2022-11-10',
        payableByClient: true,
        materials: [
          book('25734401', '3846990950'),
          {
            recordId: '06123456',
            materialItemNumber: '4711000123',
            materialGroup: { name: 'periodical', description: 'Tidsskrift' },
            periodical: { displayText: 'Nr. 7, 2022', volume: '7', volumeYear: '2022' },
          },
        ],
      },
      {
        feeId: '7002',
        type: 'compensation',
        reasonMessage: 'Erstatning for beskadiget materiale',
        amount: '120.25',
        creationDate: '2025-09-05',
        payableByClient: false,
        materials: [book('52111222', '5211122233')],
      },
      // An id above 2^53: proves the kiosk never rounds an FBS id.
      {
        feeId: '9007199254740993',
        type: 'fee',
        reasonMessage: 'Gebyr for fjernlån',
        amount: '20',
        creationDate: '2023-01-05',
        payableByClient: true,
        materials: [],
      },
      // An expected fee: shown for information, never payable.
      {
        feeId: '-1',
        type: 'fee',
        reasonMessage: 'Forventet gebyr for lån, der snart overskrider lånetiden',
        amount: '30',
        creationDate: '2026-11-01',
        payableByClient: false,
        materials: [book('29145789', '5012398746')],
      },
    ],
  },
  {
    patronId: '100005',
    identifiers: ['1000000005'],
    pin: '5555',
    name: 'Bente Blokeret',
    birthday: '1968-07-07',
    blocks: [{ blockedReason: 'U', blockedSince: '2025-10-01', message: 'Udelukket fra lån' }],
    fees: [
      {
        feeId: '8001',
        type: 'fee',
        reasonMessage: 'Overskredet lånetid',
        amount: '75',
        creationDate: '2023-08-01',
        payableByClient: true,
        materials: [],
      },
    ],
  },
  {
    patronId: '100006',
    identifiers: ['1000000006'],
    pin: '6666',
    name: 'Leo Låst',
    birthday: '2001-02-02',
    lockedOut: true,
    fees: [
      {
        feeId: '8101',
        type: 'fee',
        reasonMessage: 'Overskredet lånetid',
        amount: '10',
        creationDate: '2023-04-04',
        payableByClient: true,
        materials: [],
      },
    ],
  },
  {
    patronId: '100007',
    identifiers: ['1000000007'],
    pin: '7777',
    name: 'Karla Barn',
    birthday: '2016-03-14',
    fees: [
      {
        feeId: '8201',
        type: 'fee',
        reasonMessage: 'Overskredet lånetid',
        amount: '10',
        creationDate: '2023-05-05',
        payableByClient: true,
        materials: [book('27654321', '3876543210')],
      },
    ],
  },
];

/** The kiosk's own FBS account in the sandbox. */
export const SANDBOX_CLIENT = { username: 'kiosk-demo', password: 'demo-password', agencyId: 'DK-761500' } as const;
