/* coinflip.h — an example caller of OutLayer: a coin-flip game whose
 * randomness comes from an off-chain WASI program run by OutLayer.
 *
 *   new({"outlayer_id": "outlayer.testnet", "code_source": {...}})
 *   flip({"choice": "Heads"})  + deposit (forwarded to OutLayer; the
 *        unused part is refunded by OutLayer straight to the player)
 *   on_flip_result(...)        private callback: reads OutLayer's result
 *   get_config()               view: [outlayer_id, code_source]
 *
 * The program is expected to print "Heads" or "Tails" (Text output). */
#ifndef COINFLIP_H
#define COINFLIP_H

#define COINFLIP_OUTLAYER_GAS (150 * TGAS)
#define COINFLIP_CALLBACK_GAS (20 * TGAS)

void cf_new(void);
void cf_flip(void);
void cf_on_flip_result(void);
void cf_get_config(void);

#endif
